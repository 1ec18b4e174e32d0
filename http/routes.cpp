#include "http/routes.hpp"

#include "http/jobs_api.hpp"
#include "http/pages.hpp"
#include "http/publishing.hpp"
#include "http/streams.hpp"

namespace jobcast {

const std::vector<route>& routes() {
  constexpr auto post = bit(method::post);
  constexpr auto get = bit(method::get);
  constexpr auto del = bit(method::del);
  static const std::vector<route> table = {
      // name, methods, pattern, who may, from which pages, handler, what it
      // spends
      {"home", reads, "/", guard::visitor, sites::any, pages::home},
      {"start_from_form", post, "/", guard::starter, sites::own,
       pages::start_from_form, budget::starts},
      {"view_progress", reads, "/view-progress/{id}", guard::viewer, sites::any,
       pages::view_progress},
      {"asset", reads, "/assets/{file}", guard::anyone, sites::any,
       pages::asset},
      {"healthz", reads, "/healthz", guard::anyone, sites::any, pages::healthz},
      {"metrics", reads, "/metrics", guard::scraper, sites::any,
       pages::metrics},
      {"job_events", reads, "/jobs/{id}/events", guard::viewer, sites::any,
       streams::sse},
      {"job_ws", get, "/jobs/{id}/ws", guard::viewer, sites::own,
       streams::websocket},
      {"list_jobs", reads, "/api/jobs", guard::lister, sites::any,
       jobs_api::list},
      {"create_job", post, "/api/jobs", guard::starter, sites::own,
       jobs_api::create, budget::starts},
      {"show_job", reads, "/api/jobs/{id}", guard::viewer, sites::any,
       jobs_api::show},
      {"cancel_job", del, "/api/jobs/{id}", guard::canceller, sites::own,
       jobs_api::cancel},
      {"publish_events", post, "/api/jobs/{id}/events", guard::publisher,
       sites::own, publishing::events},
      {"finish_job", post, "/api/jobs/{id}/finish", guard::publisher,
       sites::own, publishing::finish},
  };
  return table;
}

} // namespace jobcast
