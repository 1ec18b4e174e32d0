#pragma once

// Every actor logs through CAF's logger under the component "jobcast", so
// `--logger.console-verbosity=debug` (or `logger.file-*`) shows each spawn,
// subscribe, publish, finish and down with the logging actor's id (%a).
// The message is formatted here, once, and only if the logger accepts it.

#include <caf/logger.hpp>
#include <sstream>

#define JOBCAST_LOG(level, msg)                                                \
  CAF_LOG_IMPL("jobcast", level, [&] {                                         \
    std::ostringstream jobcast_log_line;                                       \
    jobcast_log_line << msg;                                                   \
    return jobcast_log_line.str();                                             \
  }())

#define JOBCAST_LOG_INFO(msg) JOBCAST_LOG(CAF_LOG_LEVEL_INFO, msg)
#define JOBCAST_LOG_DEBUG(msg) JOBCAST_LOG(CAF_LOG_LEVEL_DEBUG, msg)
#define JOBCAST_LOG_WARNING(msg) JOBCAST_LOG(CAF_LOG_LEVEL_WARNING, msg)
