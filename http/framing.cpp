#include "http/framing.hpp"

namespace jobcast {

framing::framing()
    : slot_(register_encoding()) {}

} // namespace jobcast
