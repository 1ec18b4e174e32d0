#include "redis/reply.hpp"

#include <cstdio>

namespace jobcast::redis {

bool reply::is_error(std::string_view code) const {
  if (kind != reply_kind::error)
    return false;
  std::string_view t = text;
  return t.substr(0, code.size()) == code &&
         (t.size() == code.size() || t[code.size()] == ' ');
}

reply reply::make_integer(std::int64_t value) {
  reply r;
  r.kind = reply_kind::integer;
  r.integer = value;
  return r;
}

reply reply::make_string(std::string value) {
  reply r;
  r.kind = reply_kind::string;
  r.text = std::move(value);
  return r;
}

reply reply::make_status(std::string value) {
  reply r = make_string(std::move(value));
  r.kind = reply_kind::status;
  return r;
}

reply reply::make_error(std::string value) {
  reply r = make_string(std::move(value));
  r.kind = reply_kind::error;
  return r;
}

reply reply::make_array(std::vector<reply> elements) {
  reply r;
  r.kind = reply_kind::array;
  r.elements = std::move(elements);
  return r;
}

namespace {

void escape_into(std::string& out, const std::string& text) {
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
}

void render_into(std::string& out, const reply& r) {
  switch (r.kind) {
  case reply_kind::nil:
    out += "nil";
    break;
  case reply_kind::integer:
    out += "(integer) " + std::to_string(r.integer);
    break;
  case reply_kind::string:
    out += '"';
    escape_into(out, r.text);
    out += '"';
    break;
  case reply_kind::status:
    out += '+';
    escape_into(out, r.text);
    break;
  case reply_kind::error:
    out += '-';
    escape_into(out, r.text);
    break;
  case reply_kind::array:
    out += '[';
    for (std::size_t i = 0; i < r.elements.size(); ++i) {
      if (i > 0)
        out += ", ";
      render_into(out, r.elements[i]);
    }
    out += ']';
    break;
  }
}

} // namespace

std::string to_string(const reply& r) {
  std::string out;
  render_into(out, r);
  return out;
}

bool operator==(const reply& a, const reply& b) {
  if (a.kind != b.kind)
    return false;
  switch (a.kind) {
  case reply_kind::nil:
    return true;
  case reply_kind::integer:
    return a.integer == b.integer;
  case reply_kind::array:
    return a.elements == b.elements;
  default:
    return a.text == b.text;
  }
}

} // namespace jobcast::redis
