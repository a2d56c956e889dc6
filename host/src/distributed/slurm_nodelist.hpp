#pragma once
// SLURM's compressed host lists (SLURM_JOB_NODELIST, e.g. "gpu[01-04,07],cpu5").
#include <string>

namespace mmkd {

// The first host of the list: "gpu[01-04,07],cpu5" -> "gpu01", "rack[2-3]-n[08-09]" ->
// "rack2-n08"; mmkd::Error for an empty list or an unclosed bracket.
std::string first_slurm_host(const std::string& nodelist);

}  // namespace mmkd
