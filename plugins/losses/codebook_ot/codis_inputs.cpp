#include "codis_inputs.hpp"

namespace mmkd::codebook_ot {

void declare_codis_inputs(ComponentInfo& info) {
  info.input("image", "[B, D] student image features z_v")
      .input("text", "[B, D] student text features z_t; row i is the pair of image i")
      .input("image_momentum", "[B, D] momentum-teacher image features z_v^m (e.g. image_momentum.proj)")
      .input("text_momentum", "[B, D] momentum-teacher text features z_t^m (e.g. text_momentum.proj)");
}

CodisFeatures read_codis_features(const std::string& type, const TensorMap& inputs, int64_t dim) {
  CodisFeatures f{require(inputs, "image"), require(inputs, "text"), require(inputs, "image_momentum"),
                  require(inputs, "text_momentum")};
  const auto fits = [&](const torch::Tensor& x) {
    return x.dim() == 2 && x.size(1) == dim && x.size(0) == f.image.size(0) && x.size(0) > 0;
  };
  if (!fits(f.image) || !fits(f.text) || !fits(f.image_momentum) || !fits(f.text_momentum))
    throw Error(c10::str(type, ": inputs `image`, `text`, `image_momentum`, `text_momentum` must all be [B, ", dim,
                         "], got image ", f.image.sizes(), ", text ", f.text.sizes(), ", image_momentum ",
                         f.image_momentum.sizes(), ", text_momentum ", f.text_momentum.sizes()));
  return f;
}

}  // namespace mmkd::codebook_ot
