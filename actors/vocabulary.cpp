#include "actors/vocabulary.hpp"

namespace jobcast {

std::uint8_t jobcast_code(const caf::error& err) {
  return err.category() == caf::atom("jobcast") ? err.code() : 0;
}

} // namespace jobcast
