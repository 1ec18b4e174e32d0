#include "http/publishing.hpp"

#include "http/api.hpp"
#include "http/errors.hpp"
#include "http/gateway.hpp"
#include "http/json.hpp"

namespace jobcast::publishing {

namespace {

void bad_request(const exchange_ptr& ex, const bad_input& err) {
  ex->respond(json_error(ex->facts(), static_cast<status>(err.status),
                         err.error, err.detail));
}

} // namespace

void events(const exchange_ptr& ex) {
  auto parsed = parse_events(ex->req().body(), ex->header("Content-Type"),
                             ex->settings().max_event_bytes);
  if (auto* err = std::get_if<bad_input>(&parsed))
    return bad_request(ex, *err);
  ex->actors().publish(
      ex->match().job, ex->token_hash,
      std::get<std::vector<event_input>>(std::move(parsed)), ex->executor(),
      [ex](outcome<std::vector<std::uint64_t>> result) {
        if (auto* seqs = std::get_if<std::vector<std::uint64_t>>(&result))
          return ex->respond(
              json_response(ex->facts(), status::accepted, seqs_json(*seqs)));
        ex->refuse(describe(std::get<failure>(result).code));
      });
}

void finish(const exchange_ptr& ex) {
  auto parsed = parse_finish(ex->req().body(), ex->settings().max_event_bytes);
  if (auto* err = std::get_if<bad_input>(&parsed))
    return bad_request(ex, *err);
  auto fin = std::get<finish_request>(std::move(parsed));
  ex->actors().finish(ex->match().job, ex->token_hash, fin.state,
                      std::move(fin.text), ex->executor(),
                      [ex](outcome<job_info> result) {
                        if (auto* info = std::get_if<job_info>(&result))
                          return ex->respond(json_response(
                              ex->facts(), status::ok, job_json(*info)));
                        ex->refuse(describe(std::get<failure>(result).code));
                      });
}

void probe(const exchange_ptr& ex, std::function<void()> go_on) {
  ex->actors().publish(ex->match().job, ex->token_hash, {}, ex->executor(),
                       [ex, go_on](outcome<std::vector<std::uint64_t>> result) {
                         if (auto* err = std::get_if<failure>(&result))
                           return ex->refuse(describe(err->code));
                         go_on();
                       });
}

} // namespace jobcast::publishing
