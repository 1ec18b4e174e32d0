#include "http/pages.hpp"

#include "actors/utf8.hpp"
#include "http/api.hpp"
#include "http/assets.hpp"
#include "http/errors.hpp"
#include "http/gateway.hpp"
#include "http/prometheus.hpp"
#include "http/streams.hpp"

#include <algorithm>

namespace jobcast::pages {

namespace {

/// Lists the jobs `q` asks for, then sends what `render(ex, listing)`
/// returns. Pages render what they can: no jobs if the registry does not
/// answer.
template <class Render>
void with_jobs(const exchange_ptr& ex, job_query q, Render render) {
  ex->actors().list_jobs(std::move(q), ex->executor(),
                         [ex, render](outcome<job_listing> result) {
                           job_listing listing;
                           if (auto* l = std::get_if<job_listing>(&result))
                             listing = std::move(*l);
                           ex->respond(render(*ex, listing));
                         });
}

/// The names of the kinds the home page offers.
std::vector<std::string> offered(const http_settings& settings) {
  std::vector<std::string> result;
  for (auto& k : settings.kinds)
    if (k.offered)
      result.push_back(k.name);
  return result;
}

} // namespace

void home(const exchange_ptr& ex) {
  job_query newest;
  newest.limit = 20;
  with_jobs(ex, newest, [](exchange& ex, const job_listing& listing) {
    auto page = find_asset("index.html");
    // With access tokens, only the jobs this token may view.
    auto jobs = listing.jobs;
    if (ex.grant)
      jobs.erase(std::remove_if(jobs.begin(), jobs.end(),
                                [&](const job_info& j) {
                                  return !ex.grant->view.contains(j.id);
                                }),
                 jobs.end());
    return make_response(ex.facts(), status::ok, content_type_for(page->name),
                         render_home(page->bytes, jobs, offered(ex.settings()),
                                     !ex.settings().start_token.empty()));
  });
}

void start_from_form(const exchange_ptr& ex) {
  // kind=<name>[&token=<start token>]: what the page offers. External jobs
  // need the API, which hands out their publish token.
  job_spec spec;
  spec.kind = form_field(ex->req().body(), "kind").value_or("demo");
  auto kinds = offered(ex->settings());
  if (std::find(kinds.begin(), kinds.end(), spec.kind) == kinds.end())
    return ex->respond(error_response(
        ex->facts(), status::bad_request,
        "no job kind \"" + sanitize_utf8(spec.kind) + "\" to start here"));
  ex->actors().start_job(
      std::move(spec), ex->executor(), [ex](outcome<job_info> result) {
        if (auto* info = std::get_if<job_info>(&result))
          return ex->respond(see_other(
              ex->facts(), "/view-progress/" + std::to_string(info->id)));
        ex->refuse(describe(std::get<failure>(result).code));
      });
}

void view_progress(const exchange_ptr& ex) {
  auto format = query_param(ex->match().query, "format").value_or("");
  auto html = format == "html" ||
              (format != "text" && prefers_html(ex->header("Accept")));
  if (!html)
    return streams::text(ex);
  // Unknown jobs get a 404 page, not a live page that waits forever.
  ex->actors().job(ex->match().job, ex->executor(),
                   [ex](outcome<job_info> result) {
                     if (auto* err = std::get_if<failure>(&result))
                       return ex->refuse(describe(err->code));
                     auto page = find_asset("view.html");
                     ex->respond(make_response(
                         ex->facts(), status::ok, content_type_for(page->name),
                         render_view(page->bytes, std::get<job_info>(result))));
                   });
}

void asset(const exchange_ptr& ex) {
  auto file = find_asset(ex->match().file);
  if (!file)
    return ex->respond(
        error_response(ex->facts(), status::not_found, "no such file"));
  ex->respond(make_response(ex->facts(), status::ok,
                            content_type_for(file->name),
                            std::string{file->bytes}));
}

void healthz(const exchange_ptr& ex) {
  if (ex->context().connections.stopping())
    return ex->refuse(describe(stream_close::shutting_down));
  ex->respond(make_response(ex->facts(), status::ok,
                            "text/plain; charset=utf-8", "ok\n"));
}

void metrics(const exchange_ptr& ex) {
  job_query counts_only;
  counts_only.limit = 0;
  with_jobs(ex, counts_only, [](exchange& ex, const job_listing& listing) {
    return make_response(
        ex.facts(), status::ok, "text/plain; version=0.0.4; charset=utf-8",
        render_metrics(ex.context().connections, listing.by_state,
                       ex.actors().running_actors()));
  });
}

} // namespace jobcast::pages
