#include "image_folder.hpp"

#include <mmkd_image/bad_samples.hpp>
#include <mmkd_image/dataset_paths.hpp>

#include <mmkd/config_path.hpp>

namespace mmkd::image {

namespace {

ImagePipeline pipeline_from(const Options& options) {
  PipelineSettings settings = read_pipeline_options(options);
  settings.teacher = read_teacher_view_options(options);
  return ImagePipeline(settings);
}

}  // namespace

ComponentInfo ImageFolder::info() {
  ComponentInfo info("image_folder",
                     "JPEG/PNG images in one sub-folder per class (labels by sorted folder name), or a flat folder "
                     "with a `filename label` file; decoded and augmented per sample");
  info.required_option<std::string>("root", "image folder, relative to the experiment file")
      .option<std::string>("val_labels", "",
                           "label file of `filename label` lines for a flat folder (ImageNet val); empty: class folders")
      .option<std::string>("on_bad_image", "skip",
                           "skip: use the next index instead of an unreadable image and count it; fail: stop with the file",
                           one_of({"skip", "fail"}));
  declare_pipeline_options(info, 256);
  info.output("image", "float [3, S, S]: normalised with `mean` and `std`").output("label", "int64 scalar: class index");
  declare_teacher_view(info);
  return info;
}

ImageFolder::ImageFolder(const Options& options, const Context& context)
    : pipeline_(pipeline_from(options)), skip_bad_(options.get<std::string>("on_bad_image") == "skip") {
  const auto root = canonical_folder(config_path(options.get<std::string>("root"), context),
                                     "image_folder: root");
  root_ = root.string();
  const auto labels = options.get<std::string>("val_labels");
  index_ = labels.empty() ? index_class_folders(root) : index_label_file(root, config_path(labels, context));
  if (index_.files.empty())
    throw Error("image_folder: no .jpg, .jpeg or .png images under " + root_ +
                (labels.empty() ? " (expected one sub-folder per class)" : " listed in " + labels));
}

ImageViews ImageFolder::load(int64_t index, uint64_t seed) const {
  const std::string& file = index_.files[index];
  const std::vector<uint8_t> bytes = read_file_bytes(file);
  SampleRandom random(seed);
  try {
    return pipeline_.views_encoded(bytes.data(), bytes.size(), random);
  } catch (const Error& error) {
    throw DataError("cannot decode " + file + ": " + error.what());
  }
}

TensorMap ImageFolder::get(int64_t index, uint64_t seed) const {
  return first_readable(index, size(), skip_bad_, skipped_, "image_folder " + root_, [&](int64_t i) {
    ImageViews views = load(i, seed);
    TensorMap sample{{"image", views.image}, {"label", torch::scalar_tensor(index_.labels[i], torch::kLong)}};
    if (views.teacher.defined()) sample["image_teacher"] = views.teacher;
    return sample;
  });
}

}  // namespace mmkd::image
