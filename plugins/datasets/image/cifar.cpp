#include "cifar.hpp"

#include <mmkd_image/dataset_paths.hpp>

#include <mmkd/config_path.hpp>

#include <fstream>

namespace mmkd::image {

namespace {

constexpr int64_t side = 32;
constexpr int64_t pixel_bytes = side * side * 3;

std::vector<std::string> file_names(bool cifar100, bool train) {
  if (cifar100) return {train ? "train.bin" : "test.bin"};
  if (!train) return {"test_batch.bin"};
  return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
}

}  // namespace

ComponentInfo Cifar::info() {
  ComponentInfo info("cifar",
                     "CIFAR-10 (data_batch_1..5.bin, test_batch.bin) or CIFAR-100 (train.bin, test.bin) binary "
                     "files, resized to image_size and augmented per sample");
  info.required_option<std::string>("root", "folder of the .bin files, relative to the experiment file")
      .option<std::string>("variant", "cifar10", "which dataset", one_of({"cifar10", "cifar100"}))
      .option<std::string>("split", "train", "train or test files", one_of({"train", "test"}))
      .option<std::string>("label", "fine", "CIFAR-100: fine (100 classes) or coarse (20 superclasses)",
                           one_of({"fine", "coarse"}));
  declare_pipeline_options(info, 0);
  return info.output("image", "float [3, S, S]: normalised with `mean` and `std`")
      .output("label", "int64 scalar: class index");
}

Cifar::Cifar(const Options& options, const Context& context)
    : pipeline_(read_pipeline_options(options)) {
  const bool cifar100 = options.get<std::string>("variant") == "cifar100";
  const bool coarse = options.get<std::string>("label") == "coarse";
  if (coarse && !cifar100) options.fail("label", "coarse labels exist only in CIFAR-100");
  record_size_ = (cifar100 ? 2 : 1) + pixel_bytes;
  label_offset_ = cifar100 && !coarse ? 1 : 0;
  num_classes_ = !cifar100 ? 10 : coarse ? 20 : 100;
  const auto root = config_path(options.get<std::string>("root"), context);
  for (const std::string& name : file_names(cifar100, options.get<std::string>("split") == "train")) {
    const std::string file = (root / name).string();
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in) throw DataError("cifar: cannot open " + file + " (expected the binary version of " +
                         (cifar100 ? "CIFAR-100" : "CIFAR-10") + ")");
    const auto bytes = static_cast<int64_t>(in.tellg());
    if (bytes == 0 || bytes % record_size_ != 0)
      throw DataError("cifar: " + file + " is " + std::to_string(bytes) + " bytes, not a whole number of " +
                  std::to_string(record_size_) + "-byte records (truncated?)");
    const size_t offset = records_.size();
    records_.resize(offset + static_cast<size_t>(bytes));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(records_.data() + offset), bytes)) throw DataError("cifar: cannot read " + file);
    for (int64_t r = 0; r < bytes / record_size_; ++r) {
      const int64_t value = records_[offset + r * record_size_ + label_offset_];
      if (value >= num_classes_)
        throw DataError("cifar: " + file + " record " + std::to_string(r) + " has label " + std::to_string(value) +
                    ", expected < " + std::to_string(num_classes_));
    }
  }
  count_ = static_cast<int64_t>(records_.size()) / record_size_;
}

torch::Tensor Cifar::pixels(int64_t index) const {
  const uint8_t* planes = records_.data() + index * record_size_ + (record_size_ - pixel_bytes);
  torch::Tensor image = torch::empty({side, side, 3}, torch::kUInt8);
  uint8_t* out = image.data_ptr<uint8_t>();
  for (int64_t i = 0; i < side * side; ++i)
    for (int64_t c = 0; c < 3; ++c) out[i * 3 + c] = planes[c * side * side + i];
  return image;
}

int64_t Cifar::label(int64_t index) const { return records_[index * record_size_ + label_offset_]; }

TensorMap Cifar::get(int64_t index, uint64_t seed) const {
  if (index < 0 || index >= count_)
    throw Error("cifar: index " + std::to_string(index) + " is outside [0, " + std::to_string(count_) + ")");
  SampleRandom random(seed);
  return {{"image", pipeline_.transform(pixels(index), random)},
          {"label", torch::scalar_tensor(label(index), torch::kLong)}};
}

}  // namespace mmkd::image
