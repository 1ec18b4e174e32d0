// Boost.JSON, compiled here with the fuzzing instrumentation (see
// CMakeLists.txt). Include it in exactly one translation unit.
#include <boost/json/src.hpp>
