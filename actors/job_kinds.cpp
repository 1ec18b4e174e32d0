#include "actors/job_kinds.hpp"

#include "actors/demo.hpp"

#include <algorithm>

namespace jobcast {

bool job_kinds::add(job_kind kind) {
  if (find(kind.name))
    return false;
  kinds_.push_back(std::move(kind));
  return true;
}

const job_kind* job_kinds::find(std::string_view name) const {
  auto i = std::find_if(kinds_.begin(), kinds_.end(),
                        [&](const job_kind& k) { return k.name == name; });
  return i == kinds_.end() ? nullptr : &*i;
}

std::vector<kind_info> job_kinds::infos() const {
  std::vector<kind_info> result;
  for (auto& k : kinds_)
    result.push_back(k.info());
  return result;
}

job_kinds builtin_kinds(caf::timespan demo_interval) {
  job_kinds result;
  result.add({"demo", demo_job(demo_interval), false, false, true});
  result.add({"external", external_job(), false, true, false});
  result.add({"noop", noop_job(), false, false, false});
  return result;
}

bool is_builtin_kind(std::string_view name) {
  // Asked while the configuration is read: building the table is cheap.
  return builtin_kinds({}).find(name) != nullptr;
}

} // namespace jobcast
