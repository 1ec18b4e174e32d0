#include "http/jobs_api.hpp"

#include "http/api.hpp"
#include "http/errors.hpp"
#include "http/gateway.hpp"
#include "http/json.hpp"
#include "http/tokens.hpp"

#include <algorithm>

namespace jobcast::jobs_api {

namespace {

/// Answers with the job's JSON, or why there is none.
void respond_job(const exchange_ptr& ex, const outcome<job_info>& result) {
  if (auto* info = std::get_if<job_info>(&result))
    return ex->respond(json_response(ex->facts(), status::ok, job_json(*info)));
  ex->refuse(describe(std::get<failure>(result).code));
}

void bad_request(const exchange_ptr& ex, const bad_input& err) {
  ex->respond(json_error(ex->facts(), static_cast<status>(err.status),
                         err.error, err.detail));
}

} // namespace

void list(const exchange_ptr& ex) {
  auto query = parse_job_query(ex->match().query);
  if (auto* err = std::get_if<bad_input>(&query))
    return bad_request(ex, *err);
  auto q = std::get<job_query>(query);
  ex->actors().list_jobs(
      q, ex->executor(), [ex, q](outcome<job_listing> result) {
        if (auto* err = std::get_if<failure>(&result))
          return ex->refuse(describe(err->code));
        ex->respond(
            json_response(ex->facts(), status::ok,
                          jobs_page_json(std::get<job_listing>(result), q)));
      });
}

void create(const exchange_ptr& ex) {
  if (auto err = check_json_type(ex->header("Content-Type")))
    return bad_request(ex, *err);
  auto parsed = parse_job_spec(ex->req().body());
  if (auto* err = std::get_if<bad_input>(&parsed))
    return bad_request(ex, *err);
  auto spec = std::get<job_spec>(std::move(parsed));
  // Jobs fed from outside get a publish token, shown once; only its hash
  // stays.
  std::string token;
  auto& kinds = ex->settings().kinds;
  auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const kind_info& k) {
    return k.name == spec.kind;
  });
  if (kind != kinds.end() && kind->needs_token) {
    token = new_token();
    spec.token_hash = token_hash(token);
  }
  ex->actors().start_job(
      std::move(spec), ex->executor(),
      [ex, token = std::move(token)](outcome<job_info> result) {
        auto* info = std::get_if<job_info>(&result);
        if (!info)
          return ex->refuse(describe(std::get<failure>(result).code));
        ex->respond(json_response(ex->facts(), status::created,
                                  job_json(*info, token),
                                  "/api/jobs/" + std::to_string(info->id)));
      });
}

void show(const exchange_ptr& ex) {
  ex->actors().job(ex->match().job, ex->executor(),
                   [ex](outcome<job_info> result) { respond_job(ex, result); });
}

void cancel(const exchange_ptr& ex) {
  ex->actors().cancel_job(
      ex->match().job, ex->executor(),
      [ex](outcome<job_info> result) { respond_job(ex, result); });
}

} // namespace jobcast::jobs_api
