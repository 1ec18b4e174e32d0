# Run by `cmake --install` (and cpack): installs dist/, the example config
# file and the systemd unit, where the install prefix puts them. As
# GNUInstallDirs has it, the prefix /usr keeps its configuration in /etc,
# any other prefix in <prefix>/etc; the unit is pointed at the installed
# binary and config file. Set by cmake/packaging.cmake: JOBCAST_DIST,
# JOBCAST_BINDIR, JOBCAST_DOCDIR, JOBCAST_UNIT_DIR.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc /etc)
else()
  set(etc ${CMAKE_INSTALL_PREFIX}/etc)
endif()
if(IS_ABSOLUTE "${JOBCAST_UNIT_DIR}")
  set(unit_dir ${JOBCAST_UNIT_DIR})
else()
  set(unit_dir ${CMAKE_INSTALL_PREFIX}/${JOBCAST_UNIT_DIR})
endif()

file(INSTALL DESTINATION ${etc}/jobcast TYPE FILE
     FILES ${JOBCAST_DIST}/jobcast.conf)

file(READ ${JOBCAST_DIST}/jobcast.service unit)
string(REPLACE "/usr/bin/jobcast" "${CMAKE_INSTALL_PREFIX}/${JOBCAST_BINDIR}/jobcast"
       unit "${unit}")
string(REPLACE "/etc/jobcast/jobcast.conf" "${etc}/jobcast/jobcast.conf" unit
       "${unit}")
string(REPLACE "/usr/share/doc/jobcast"
       "${CMAKE_INSTALL_PREFIX}/${JOBCAST_DOCDIR}" unit "${unit}")
file(WRITE ${JOBCAST_STAGE}/jobcast.service "${unit}")
file(INSTALL DESTINATION ${unit_dir} TYPE FILE
     FILES ${JOBCAST_STAGE}/jobcast.service)
