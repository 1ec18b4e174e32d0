#include "actors/metrics.hpp"

namespace jobcast {

metrics& global_metrics() {
  static metrics instance;
  return instance;
}

} // namespace jobcast
