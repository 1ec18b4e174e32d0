#pragma once

// jobcast's route table: every path, the methods it takes, who may use it
// and the handler that answers. Adding an endpoint is one line here and a
// handler in the file of its resource.

#include "http/router.hpp"

#include <vector>

namespace jobcast {

const std::vector<route>& routes();

} // namespace jobcast
