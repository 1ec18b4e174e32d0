// The runner of the actor tests (CAF's unit test framework, which the test
// coordinator's DSL needs). ctest runs each CAF_TEST alone: see
// tests/CMakeLists.txt.
#define CAF_TEST_UNIT_TEST_IMPL
#include <caf/test/unit_test_impl.hpp>
