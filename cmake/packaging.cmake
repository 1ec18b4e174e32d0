# `cmake --install` and `cpack -G DEB` (docs/operations.md, "Installing"):
# the server, jobcast-run, the example config file, the systemd unit and the
# docs, in their usual places.
include(GNUInstallDirs)

install(TARGETS jobcast jobcast-run RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES README.md docs/api.md docs/architecture.md docs/operations.md
              docs/performance.md docs/security.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# systemd reads units from <prefix>/lib/systemd/system for /usr and
# /usr/local alike.
set(JOBCAST_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING
    "where the systemd unit goes (relative: under the install prefix)")
# The config file's place depends on the prefix of the install itself (the
# package's /usr, or --prefix), so it is decided then, not here.
install(CODE "
  set(JOBCAST_DIST \"${PROJECT_SOURCE_DIR}/dist\")
  set(JOBCAST_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(JOBCAST_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(JOBCAST_UNIT_DIR \"${JOBCAST_SYSTEMD_UNIT_DIR}\")
  set(JOBCAST_STAGE \"${CMAKE_CURRENT_BINARY_DIR}/dist-staged\")
")
install(SCRIPT cmake/install_dist.cmake)

# -- the Debian package ------------------------------------------------------
set(CPACK_PACKAGE_NAME jobcast)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "jobcast")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "runs background jobs and streams their progress live")
set(CPACK_PACKAGE_DESCRIPTION
    "jobcast runs background jobs and streams their progress, live, to
everyone watching them (plain text, Server-Sent Events, WebSocket). It
includes jobcast-run, which runs a command anywhere and publishes its
output to a jobcast server.")
set(CPACK_GENERATOR DEB)
# install_dist.cmake writes to /etc: stage through DESTDIR, so that the
# prefix the install sees is /usr itself, whatever CMAKE_INSTALL_PREFIX is.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debian keeps debugging symbols out of the package (a -dbgsym one).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
if(NOT CPACK_DEBIAN_PACKAGE_MAINTAINER)
  set(CPACK_DEBIAN_PACKAGE_MAINTAINER "jobcast maintainers <jobcast@localhost>")
endif()
# Depends: the Debian packages of the libraries the binaries link, as
# dpkg-shlibdeps (dpkg-dev) finds them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The config file is the operator's: an upgrade keeps their changes.
set(JOBCAST_CONFFILES ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles)
file(WRITE ${JOBCAST_CONFFILES} "/etc/jobcast/jobcast.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${JOBCAST_CONFFILES})
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
