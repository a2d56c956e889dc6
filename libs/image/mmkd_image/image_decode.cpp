#include <mmkd_image/image_decode.hpp>

#include <mmkd/error.hpp>

#include <png.h>
#include <turbojpeg.h>

#include <cerrno>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace mmkd::image {

namespace {

struct JpegHandle {
  JpegHandle() : handle(tjInitDecompress()) {
    if (handle == nullptr) throw Error("cannot start the JPEG decoder");
  }
  ~JpegHandle() { tjDestroy(handle); }
  JpegHandle(const JpegHandle&) = delete;
  JpegHandle& operator=(const JpegHandle&) = delete;
  tjhandle handle;
};

[[noreturn]] void jpeg_fail(tjhandle handle) {
  throw DataError(std::string("corrupt JPEG: ") + tjGetErrorStr2(handle));
}

// A header claiming more pixels is refused before anything is allocated: Pillow's
// DecompressionBombError limit (2 x MAX_IMAGE_PIXELS).
constexpr int64_t kMaxPixels = 178956970;

ImageSize within_pixel_limit(ImageSize size, const char* format) {
  if (size.width > 0 && size.height > kMaxPixels / size.width)  // PNG sides reach 2^32: no product
    throw DataError(std::string(format) + " of " + std::to_string(size.width) + " x " + std::to_string(size.height) +
                    " pixels, over the limit of " + std::to_string(kMaxPixels) + " (Pillow's decompression bomb limit)");
  return size;
}

struct JpegHeader {
  ImageSize size;
  int colorspace = TJCS_RGB;
};

JpegHeader read_jpeg_header(tjhandle handle, const uint8_t* data, size_t size) {
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(size), &width, &height, &subsampling, &colorspace) != 0)
    jpeg_fail(handle);
  return {within_pixel_limit({height, width}, "JPEG"), colorspace};
}

// Adobe CMYK/YCCK JPEGs store inverted samples: R = (255 - C)(255 - K) / 255 with stored
// samples 255 - C and 255 - K.
torch::Tensor cmyk_to_rgb(const torch::Tensor& cmyk) {
  torch::Tensor rgb = torch::empty({cmyk.size(0), cmyk.size(1), 3}, torch::kUInt8);
  const uint8_t* in = cmyk.data_ptr<uint8_t>();
  uint8_t* out = rgb.data_ptr<uint8_t>();
  for (int64_t i = 0, n = cmyk.size(0) * cmyk.size(1); i < n; ++i, in += 4, out += 3)
    for (int c = 0; c < 3; ++c) out[c] = static_cast<uint8_t>((in[c] * in[3] + 127) / 255);
  return rgb;
}

torch::Tensor decode_jpeg(const uint8_t* data, size_t size, ImageSize min_size) {
  JpegHandle jpeg;
  const JpegHeader header = read_jpeg_header(jpeg.handle, data, size);
  const JpegScale scale = jpeg_scale_for(header.size, min_size);
  const tjscalingfactor factor{scale.num, scale.denom};
  const int width = TJSCALED(static_cast<int>(header.size.width), factor);
  const int height = TJSCALED(static_cast<int>(header.size.height), factor);
  const bool cmyk = header.colorspace == TJCS_CMYK || header.colorspace == TJCS_YCCK;
  torch::Tensor pixels = torch::empty({height, width, cmyk ? 4 : 3}, torch::kUInt8);
  if (tjDecompress2(jpeg.handle, data, static_cast<unsigned long>(size), pixels.data_ptr<uint8_t>(), width, 0, height,
                    cmyk ? TJPF_CMYK : TJPF_RGB, 0) != 0 &&
      tjGetErrorCode(jpeg.handle) == TJERR_FATAL)
    jpeg_fail(jpeg.handle);
  return cmyk ? cmyk_to_rgb(pixels) : pixels;
}

struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t offset;
  std::string error;
};

void png_read_memory(png_structp png, png_bytep out, size_t length) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (length > source->size - source->offset) png_error(png, "unexpected end of data");
  std::memcpy(out, source->data + source->offset, length);
  source->offset += length;
}

void png_fail(png_structp png, png_const_charp message) {
  static_cast<PngSource*>(png_get_error_ptr(png))->error = message;
  png_longjmp(png, 1);
}

void png_ignore_warning(png_structp, png_const_charp) {}

struct PngReader {
  explicit PngReader(PngSource& source)
      : png(png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, png_fail, png_ignore_warning)),
        info(png == nullptr ? nullptr : png_create_info_struct(png)) {
    if (info == nullptr) throw Error("cannot start the PNG decoder");
    png_set_read_fn(png, &source, png_read_memory);
  }
  ~PngReader() { png_destroy_read_struct(&png, info == nullptr ? nullptr : &info, nullptr); }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;
  png_structp png;
  png_infop info;
};

// The two steps libpng may leave by longjmp; they hold no objects with destructors.
bool png_read_header_as_rgb8(png_structp png, png_infop info, ImageSize* size) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  png_set_expand(png);  // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  size->height = png_get_image_height(png, info);
  size->width = png_get_image_width(png, info);
  return true;
}

bool png_read_rows(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  return true;
}

torch::Tensor decode_png(const uint8_t* data, size_t size) {
  PngSource source{data, size, 0, {}};
  PngReader reader(source);
  ImageSize image_size;
  if (!png_read_header_as_rgb8(reader.png, reader.info, &image_size)) throw DataError("corrupt PNG: " + source.error);
  within_pixel_limit(image_size, "PNG");
  if (png_get_rowbytes(reader.png, reader.info) != static_cast<size_t>(image_size.width) * 3)
    throw DataError("PNG: unsupported pixel layout");
  torch::Tensor pixels = torch::empty({image_size.height, image_size.width, 3}, torch::kUInt8);
  std::vector<png_bytep> rows(static_cast<size_t>(image_size.height));
  for (int64_t y = 0; y < image_size.height; ++y) rows[y] = pixels.data_ptr<uint8_t>() + y * image_size.width * 3;
  if (!png_read_rows(reader.png, rows.data())) throw DataError("corrupt PNG: " + source.error);
  return pixels;
}

uint32_t big_endian32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

[[noreturn]] void unknown_format() {
  throw DataError("not a JPEG or PNG image (unrecognised first bytes)");
}

}  // namespace

ImageFormat detect_format(const uint8_t* data, size_t size) {
  static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat::Jpeg;
  if (size >= 8 && std::memcmp(data, png_magic, 8) == 0) return ImageFormat::Png;
  return ImageFormat::Unknown;
}

ImageSize read_image_size(const uint8_t* data, size_t size) {
  switch (detect_format(data, size)) {
    case ImageFormat::Jpeg: {
      JpegHandle jpeg;
      return read_jpeg_header(jpeg.handle, data, size).size;
    }
    case ImageFormat::Png:
      if (size < 24 || std::memcmp(data + 12, "IHDR", 4) != 0) throw DataError("corrupt PNG: no IHDR chunk first");
      if (big_endian32(data + 16) == 0 || big_endian32(data + 20) == 0) throw DataError("corrupt PNG: zero width or height");
      return within_pixel_limit({big_endian32(data + 20), big_endian32(data + 16)}, "PNG");
    case ImageFormat::Unknown:
      break;
  }
  unknown_format();
}

JpegScale jpeg_scale_for(ImageSize size, ImageSize min_size) {
  // libjpeg-turbo 2.1 has SIMD inverse DCTs only for these; its 7/8 ... 3/8 were slower than 1/1.
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  JpegScale best;
  for (int i = 0; i < count; ++i) {
    const tjscalingfactor f = factors[i];
    if (f.num != 1 || f.denom <= best.denom) continue;
    if (TJSCALED(size.height, f) >= min_size.height && TJSCALED(size.width, f) >= min_size.width)
      best = {f.num, f.denom};
  }
  return best;
}

torch::Tensor decode_image(const uint8_t* data, size_t size, ImageSize min_size) {
  switch (detect_format(data, size)) {
    case ImageFormat::Jpeg: return decode_jpeg(data, size, min_size);
    case ImageFormat::Png: return decode_png(data, size);
    case ImageFormat::Unknown: break;
  }
  unknown_format();
}

torch::Tensor decode_image(const uint8_t* data, size_t size) {
  return decode_image(data, size, {INT64_MAX, INT64_MAX});  // no factor below 1/1 keeps that
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw DataError("cannot open " + path + ": " + std::strerror(errno));
  if (!std::filesystem::is_regular_file(path)) throw DataError("cannot read " + path + ": not a regular file");
  const std::streamsize size = file.tellg();
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  file.seekg(0);
  if (!file.read(reinterpret_cast<char*>(bytes.data()), size)) throw DataError("cannot read " + path);
  return bytes;
}

}  // namespace mmkd::image
