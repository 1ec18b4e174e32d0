# Finds the C++ Actor Framework's core library (Debian: libcaf-dev) and
# reads its version from caf/config.hpp, so that find_package(CAF 0.17.6
# EXACT) fails at configure time, with the version it found, instead of in
# template errors at build time. CAF 0.18 and later changed the APIs jobcast
# uses (typed behaviours, the test DSL, error codes).
#
# Result: the imported target CAF::core; CAF_VERSION, CAF_INCLUDE_DIR,
# CAF_CORE_LIBRARY. Point CAF_ROOT (or CMAKE_PREFIX_PATH) at another install.

find_path(CAF_INCLUDE_DIR caf/config.hpp)
find_library(CAF_CORE_LIBRARY caf_core)

if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX REPLACE "^#define CAF_VERSION ([0-9]+).*" "\\1"
         _caf_version_number "${_caf_version_line}")
  if(_caf_version_number MATCHES "^[0-9]+$")
    # {MAJOR}{MINOR:2}{PATCH:2}: 1706 is 0.17.6.
    math(EXPR _caf_major "${_caf_version_number} / 10000")
    math(EXPR _caf_minor "(${_caf_version_number} / 100) % 100")
    math(EXPR _caf_patch "${_caf_version_number} % 100")
    set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
  endif()
endif()

# Headers of one CAF and the library of another link but crash: the
# library's soname carries the version on Debian (libcaf_core.so.0.17.6).
if(CAF_CORE_LIBRARY AND CAF_VERSION)
  get_filename_component(_caf_real "${CAF_CORE_LIBRARY}" REALPATH)
  if(_caf_real MATCHES "\\.so\\.([0-9]+\\.[0-9]+\\.[0-9]+)$"
     AND NOT CMAKE_MATCH_1 VERSION_EQUAL CAF_VERSION)
    message(FATAL_ERROR
      "CAF headers in ${CAF_INCLUDE_DIR} are ${CAF_VERSION} but "
      "${CAF_CORE_LIBRARY} is ${CMAKE_MATCH_1}; install one CAF "
      "(Debian: libcaf-dev) or set CAF_INCLUDE_DIR and CAF_CORE_LIBRARY")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_CORE_LIBRARY CAF_INCLUDE_DIR
  VERSION_VAR CAF_VERSION
  REASON_FAILURE_MESSAGE
    "jobcast needs CAF 0.17.6 (Debian: apt-get install libcaf-dev)")

if(CAF_FOUND AND NOT TARGET CAF::core)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
endif()
mark_as_advanced(CAF_INCLUDE_DIR CAF_CORE_LIBRARY)
