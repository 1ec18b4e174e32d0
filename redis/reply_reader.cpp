#include "redis/reply_reader.hpp"

#include <hiredis/hiredis.h>
#include <memory>
#include <new>

namespace jobcast::redis {

namespace {

reply convert(const redisReply& r) {
  switch (r.type) {
  case REDIS_REPLY_INTEGER:
    return reply::make_integer(r.integer);
  case REDIS_REPLY_STRING:
    return reply::make_string({r.str, r.len});
  case REDIS_REPLY_STATUS:
    return reply::make_status({r.str, r.len});
  case REDIS_REPLY_ERROR:
    return reply::make_error({r.str, r.len});
  case REDIS_REPLY_ARRAY: {
    std::vector<reply> elements;
    elements.reserve(r.elements);
    for (std::size_t i = 0; i < r.elements; ++i)
      elements.push_back(convert(*r.element[i]));
    return reply::make_array(std::move(elements));
  }
  default: // REDIS_REPLY_NIL
    return reply{};
  }
}

} // namespace

reply_reader::reply_reader()
    : reader_{redisReaderCreate()} {
  if (!reader_)
    throw std::bad_alloc{};
}

reply_reader::~reply_reader() {
  redisReaderFree(reader_);
}

void reply_reader::feed(const char* data, std::size_t size) {
  if (failed())
    return;
  if (redisReaderFeed(reader_, data, size) != REDIS_OK)
    error_ = reader_->errstr[0] ? reader_->errstr : "out of memory";
}

std::optional<reply> reply_reader::next() {
  if (failed())
    return std::nullopt;
  void* raw = nullptr;
  if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
    error_ = reader_->errstr[0] ? reader_->errstr : "protocol error";
    return std::nullopt;
  }
  if (!raw)
    return std::nullopt;
  std::unique_ptr<redisReply, void (*)(void*)> r{static_cast<redisReply*>(raw),
                                                 freeReplyObject};
  return convert(*r);
}

} // namespace jobcast::redis
