#include "distributed/slurm_nodelist.hpp"

#include <mmkd/error.hpp>

namespace mmkd {

std::string first_slurm_host(const std::string& nodelist) {
  std::string host;
  for (size_t i = 0; i < nodelist.size() && nodelist[i] != ','; ++i) {
    if (nodelist[i] != '[') {
      host += nodelist[i];
      continue;
    }
    const size_t close = nodelist.find(']', i);
    if (close == std::string::npos) throw Error("SLURM node list `" + nodelist + "` has an unclosed `[`");
    const std::string ranges = nodelist.substr(i + 1, close - i - 1);
    host += ranges.substr(0, ranges.find_first_of(",-"));  // the first range's start, leading zeros kept
    i = close;
  }
  if (host.empty()) throw Error("SLURM node list `" + nodelist + "` names no host");
  return host;
}

}  // namespace mmkd
