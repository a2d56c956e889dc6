#pragma once
// The processes of a data-parallel run, as losses see them: gather rows from every rank.
#include <torch/types.h>

#include <memory>
#include <vector>

namespace mmkd {

struct Context;

// Implemented by the host for a distributed run; a single-process run has none.
class Collectives {
 public:
  virtual ~Collectives() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Every rank's `tensor` (same shape on all ranks), in rank order.
  virtual std::vector<torch::Tensor> all_gather(const torch::Tensor& tensor) = 0;
  // Sums `tensor` over all ranks, in place.
  virtual void all_reduce_sum(torch::Tensor& tensor) = 0;
};

// Rows of every rank's `local` [B, ...], concatenated in rank order [world * B, ...]. The
// gradient of the gathered rows is summed over ranks and this rank's part flows back into
// `local`. Without collectives in `context`, returns `local`.
torch::Tensor gather_rows_with_grad(const torch::Tensor& local, const Context& context);

// The same rows, detached (e.g. to fill a memory bank from all ranks).
torch::Tensor gather_rows(const torch::Tensor& local, const Context& context);

// Row offset of this rank's rows in a gathered tensor with `local_rows` rows per rank.
int64_t gathered_offset(int64_t local_rows, const Context& context);

}  // namespace mmkd
