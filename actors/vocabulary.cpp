#include "actors/vocabulary.hpp"

namespace jobcast {

namespace {

const caf::atom_value category = caf::atom("jobcast");

} // namespace

caf::error make_error(errc code) {
  return caf::error{static_cast<std::uint8_t>(code), category};
}

std::uint8_t jobcast_code(const caf::error& err) {
  return err.category() == category ? err.code() : 0;
}

} // namespace jobcast
