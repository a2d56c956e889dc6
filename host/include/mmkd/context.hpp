#pragma once
// What a component knows of the run it is created in.
#include <mmkd/collectives.hpp>

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace mmkd {

struct Context {
  torch::Device device = torch::kCPU;
  int rank = 0;
  int world_size = 1;
  uint64_t seed = 0;            // the experiment seed
  std::string node_name;        // e.g. "image" for model.image
  std::string run_dir;          // empty outside a run (validate, probe, describe)
  std::string config_dir;       // folder of the experiment file, for relative paths
  std::string experiment_name;
  std::shared_ptr<Collectives> collectives;  // set in a data-parallel run (rank, world_size match)
};

}  // namespace mmkd
