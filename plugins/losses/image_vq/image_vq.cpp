#include "image_vq.hpp"

#include "token_masking.hpp"
#include "vector_quantiser.hpp"

namespace mmkd::image_vq {

ComponentInfo ImageVq::info() {
  return ComponentInfo("image_vq",
                       "Image VQ (thesis Eq. 86-90): the teacher's [I_CLS] projected to S dims is replaced by its "
                       "cosine-nearest codeword (straight-through gradient); a decoder of pre-LN Transformer layers "
                       "reconstructs the [I_CLS] from the up-projected codeword and the mostly masked patch tokens. "
                       "Loss: 1 - cos(reconstruction, teacher [I_CLS]) + commitment. The codebook is a buffer "
                       "updated by EMA in training only. For evaluators (codebook_usage) it gives the `codes` chosen "
                       "for `teacher_cls`.")
      .option<int64_t>("dim", 768, "D: width of the teacher [I_CLS], the patch tokens and the decoder", at_least(1))
      .option<int64_t>("codebook_dim", 16, "S: dimensions of the codewords and of W_q_down's output", at_least(1))
      .option<int64_t>("codebook_size", 1024, "J: number of codewords (the thesis uses 1024 and 8192)", at_least(1))
      .option<int64_t>("decoder_layers", 1, "U: pre-LN Transformer layers of the decoder", at_least(1))
      .option<int64_t>("heads", 12, "attention heads of each decoder layer; must divide dim", at_least(1))
      .option<double>("mlp_ratio", 4.0, "hidden width of the decoder MLP as a multiple of dim", positive())
      .option<double>("dropout", 0.0, "dropout in the decoder's attention and MLP", range(0, 1))
      .option<double>("mask_prob", 0.9, "p of Eq. 87: probability that a patch token is replaced by [MASK]", range(0, 1))
      .option<std::string>("masking", "bernoulli",
                           "bernoulli: each patch masked with probability mask_prob (Eq. 87); exact: N - floor(N (1 - "
                           "mask_prob)) patches of every image (the thesis code: 177 of 196)",
                           one_of({"bernoulli", "exact"}))
      .option<std::string>("down_projection", "linear",
                           "W_q_down: linear (Eq. 86, no bias), or tanh_mlp: Linear(D, D) -> Tanh -> Linear(D, S) "
                           "as the thesis code's embed_to_vq_proj",
                           one_of({"linear", "tanh_mlp"}))
      .option<double>("ema_decay", 0.99, "d of Eq. 90: decay of the codebook's moving average", range(0, 1))
      .option<double>("commitment_weight", 1.0, "weight of the commitment term of Eq. 88 (1 in the thesis)", at_least(0))
      .input("teacher_cls", "[B, D] the frozen teacher's last-layer [I_CLS], h^t_{v,L_t,[I_CLS]}: quantised and reconstructed")
      .input("patch_tokens",
             "[B, N, D] the teacher's layer-0 patch tokens h^t_{v,0,1..N} (patch embeddings plus positions, Eq. 20), "
             "without [I_CLS]; masked by Eq. 87 and fed to the decoder")
      .output("reconstruction", "1 - cos(decoder [I_CLS] output, teacher [I_CLS]), batch mean (Eq. 88, first term)")
      .output("commitment", "||delta(h W_q_down) - delta(q_m)||^2 as Eq. 1 (mean over dimensions), batch mean, before "
                            "its weight (Eq. 88, second term)")
      .output("codebook_usage", "fraction of the J codewords chosen by at least one image of this batch")
      .output("perplexity", "exp of the entropy of this batch's codeword assignment frequencies")
      .output("codeword_cosine", "mean cosine between the projected [I_CLS] and its chosen codeword");
}

ImageVq::ImageVq(const Options& options, const Context& context)
    : context_(context),
      dim_(options.get<int64_t>("dim")),
      codebook_size_(options.get<int64_t>("codebook_size")),
      mask_prob_(options.get<double>("mask_prob")),
      exact_mask_(options.get<std::string>("masking") == "exact"),
      ema_decay_(options.get<double>("ema_decay")),
      commitment_weight_(options.get<double>("commitment_weight")) {
  const auto codebook_dim = options.get<int64_t>("codebook_dim");
  const auto heads = options.get<int64_t>("heads");
  if (dim_ % heads != 0) options.fail("heads", c10::str("dim ", dim_, " is not divisible by heads ", heads));
  const auto mlp_hidden = static_cast<int64_t>(options.get<double>("mlp_ratio") * static_cast<double>(dim_));

  if (options.get<std::string>("down_projection") == "tanh_mlp")
    quantise_mlp = register_module("quantise_mlp", torch::nn::Sequential(torch::nn::Linear(dim_, dim_), torch::nn::Tanh(),
                                                                         torch::nn::Linear(dim_, codebook_dim)));
  else
    quantise_down =
        register_module("quantise_down", torch::nn::Linear(torch::nn::LinearOptions(dim_, codebook_dim).bias(false)));
  codeword_up = register_module("codeword_up", torch::nn::Linear(torch::nn::LinearOptions(codebook_dim, dim_).bias(false)));
  mask_token = register_parameter("mask_token", torch::randn({dim_}) * 0.02);
  decoder = register_module("decoder", VqDecoder(options.get<int64_t>("decoder_layers"), dim_, heads, mlp_hidden,
                                                 options.get<double>("dropout")));
  codebook = register_buffer("codebook", torch::nn::functional::normalize(torch::randn({codebook_size_, codebook_dim}),
                                                                         torch::nn::functional::NormalizeFuncOptions().dim(1)));
  step = register_buffer("step", torch::zeros({}, torch::kLong));
}

namespace {
void check_shapes(const torch::Tensor& teacher_cls, const torch::Tensor& patch_tokens, int64_t dim) {
  const bool ok = teacher_cls.dim() == 2 && teacher_cls.size(1) == dim && patch_tokens.dim() == 3 &&
                  patch_tokens.size(0) == teacher_cls.size(0) && patch_tokens.size(1) > 0 && patch_tokens.size(2) == dim;
  if (!ok)
    throw Error(c10::str("image_vq: `teacher_cls` must be [B, ", dim, "] and `patch_tokens` [B, N, ", dim,
                         "] with N > 0, got ", teacher_cls.sizes(), " and ", patch_tokens.sizes()));
}
}  // namespace

LossOutput ImageVq::compute(const TensorMap& inputs) {
  const torch::Tensor& teacher_cls_in = require(inputs, "teacher_cls");
  const torch::Tensor& patch_tokens_in = require(inputs, "patch_tokens");
  check_shapes(teacher_cls_in, patch_tokens_in, dim_);
  const auto dtype = codeword_up->weight.scalar_type();
  const torch::Tensor teacher_cls = teacher_cls_in.to(dtype), patch_tokens = patch_tokens_in.to(dtype);

  const torch::Tensor projected = project_down(teacher_cls);
  const Quantisation q = quantise(projected, codebook);  // Eq. 86
  const uint64_t seed = mask_seed(context_.seed, context_.rank, step.item<int64_t>());
  const torch::Tensor masked =
      exact_mask_ ? sample_exact_token_mask(patch_tokens.size(0), patch_tokens.size(1), mask_prob_, seed)
                  : sample_token_mask(patch_tokens.size(0), patch_tokens.size(1), mask_prob_, seed);
  const torch::Tensor decoded = decoder(codeword_up(q.quantised), mask_tokens(patch_tokens, masked, mask_token));
  const torch::Tensor reconstruction = (1 - (l2_normalize(decoded) * l2_normalize(teacher_cls)).sum(1)).mean();  // Eq. 88
  const torch::Tensor commitment = commitment_loss(projected, q.codewords);                                      // Eq. 88

  LossOutput out;
  out.loss = reconstruction + commitment_weight_ * commitment;
  if (is_training()) update_codebook(projected, q.indices);
  torch::NoGradGuard no_grad;
  const torch::Tensor counts = torch::bincount(q.indices, {}, codebook_size_);
  out.metrics["reconstruction"] = reconstruction.detach().to(torch::kFloat);
  out.metrics["commitment"] = commitment.detach().to(torch::kFloat);
  out.metrics["codebook_usage"] = (counts > 0).sum().to(torch::kFloat) / static_cast<double>(codebook_size_);
  out.metrics["perplexity"] = assignment_perplexity(counts);
  out.metrics["codeword_cosine"] = codeword_cosine(projected, q.codewords).mean().to(torch::kFloat);
  return out;
}

TensorMap ImageVq::evaluate(const TensorMap& inputs) {
  const torch::Tensor& teacher_cls = require(inputs, "teacher_cls");
  if (teacher_cls.dim() != 2 || teacher_cls.size(1) != dim_)
    throw Error(c10::str("image_vq: `teacher_cls` must be [B, ", dim_, "], got ", teacher_cls.sizes()));
  torch::NoGradGuard no_grad;
  const torch::Tensor projected = project_down(teacher_cls.to(codeword_up->weight.options()));
  return {{"codes", quantise(projected, codebook).indices}};  // Eq. 86
}

torch::Tensor ImageVq::project_down(const torch::Tensor& teacher_cls) {
  return quantise_mlp ? quantise_mlp->forward(teacher_cls) : quantise_down(teacher_cls);  // Eq. 86: h W_q_down
}

void ImageVq::update_codebook(const torch::Tensor& projected, const torch::Tensor& indices) {
  torch::NoGradGuard no_grad;
  CodewordSums assigned = codeword_sums(projected, indices, codebook_size_);  // Eq. 89
  if (context_.collectives) {
    context_.collectives->all_reduce_sum(assigned.sums);
    context_.collectives->all_reduce_sum(assigned.counts);
  }
  ema_update(codebook, assigned, ema_decay_);  // Eq. 90
  step += 1;
}

}  // namespace mmkd::image_vq
