#include "feature_checks.hpp"

#include <mmkd/error.hpp>

#include <sstream>

namespace mmkd::contrastive {

void require_paired_features(const std::string& loss_type, const std::vector<PortFeatures>& ports) {
  const torch::Tensor& first = ports.front().features;
  bool paired = true;
  for (const PortFeatures& p : ports) paired = paired && p.features.dim() == 2 && p.features.sizes() == first.sizes();
  if (paired) return;
  std::ostringstream found;
  for (size_t i = 0; i < ports.size(); ++i)
    found << (i == 0 ? "" : ", ") << '`' << ports[i].port << "` " << ports[i].features.sizes();
  throw Error(loss_type + ": expected [B, D] features of one shape, got " + found.str());
}

void require_bank_dim(const std::string& loss_type, const PortFeatures& port, int64_t bank_dim) {
  if (port.features.size(1) == bank_dim) return;
  throw Error(c10::str(loss_type, ": `", port.port, "` has shape ", port.features.sizes(),
                       " but the memory bank was created with `dim: ", bank_dim, "` (rows [N, ", bank_dim,
                       "]); set `dim` to ", port.features.size(1)));
}

}  // namespace mmkd::contrastive
