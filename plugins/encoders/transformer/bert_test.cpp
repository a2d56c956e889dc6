#include "expect_error.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <cstring>

namespace {

using mmkd::testing::TempDir;

constexpr int64_t bert_dim = 16, bert_heads = 2, depth = 2, vocab = 30, max_len = 10;
const std::string tiny_bert = "{vocab_size: 30, max_len: 10, dim: 16, depth: 2, heads: 2, norm_eps: 1e-12}";

// Random weights under Hugging Face BertModel's key names.
mmkd::TensorMap hf_bert_weights(int64_t layers) {
  torch::manual_seed(5);
  mmkd::TensorMap w;
  auto r = [](std::vector<int64_t> shape) { return torch::randn(shape) * 0.3; };
  w["embeddings.word_embeddings.weight"] = r({vocab, bert_dim});
  w["embeddings.position_embeddings.weight"] = r({max_len, bert_dim});
  w["embeddings.token_type_embeddings.weight"] = r({2, bert_dim});
  w["embeddings.LayerNorm.weight"] = 1 + r({bert_dim});
  w["embeddings.LayerNorm.bias"] = r({bert_dim});
  w["embeddings.position_ids"] = torch::arange(max_len).unsqueeze(0);
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* name : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"})
      w[p + name + ".weight"] = r({bert_dim, bert_dim}), w[p + name + ".bias"] = r({bert_dim});
    w[p + "intermediate.dense.weight"] = r({4 * bert_dim, bert_dim}), w[p + "intermediate.dense.bias"] = r({4 * bert_dim});
    w[p + "output.dense.weight"] = r({bert_dim, 4 * bert_dim}), w[p + "output.dense.bias"] = r({bert_dim});
    for (const char* name : {"attention.output.LayerNorm", "output.LayerNorm"})
      w[p + name + ".weight"] = 1 + r({bert_dim}), w[p + name + ".bias"] = r({bert_dim});
  }
  w["pooler.dense.weight"] = r({bert_dim, bert_dim});
  w["pooler.dense.bias"] = r({bert_dim});
  return w;
}

// BertModel's forward written from its key names: embeddings, then per layer separate
// query/key/value projections, masked softmax, dense + LayerNorm, GELU MLP + LayerNorm.
torch::Tensor reference_bert(const mmkd::TensorMap& w, const torch::Tensor& ids, const torch::Tensor& mask,
                             const torch::Tensor& types, const std::vector<int64_t>& layers) {
  auto at = [&](const std::string& key) { return w.at(key); };
  auto linear = [&](const torch::Tensor& x, const std::string& name) {
    return torch::matmul(x, at(name + ".weight").t()) + at(name + ".bias");
  };
  auto norm = [&](const torch::Tensor& x, const std::string& name) {
    return torch::layer_norm(x, {bert_dim}, at(name + ".weight"), at(name + ".bias"), 1e-12);
  };
  const int64_t b = ids.size(0), t = ids.size(1), d = bert_dim / bert_heads;
  torch::Tensor x = at("embeddings.word_embeddings.weight").index_select(0, ids.reshape(-1)).reshape({b, t, bert_dim}) +
                    at("embeddings.position_embeddings.weight").slice(0, 0, t) +
                    at("embeddings.token_type_embeddings.weight").index_select(0, types.reshape(-1)).reshape({b, t, bert_dim});
  x = norm(x, "embeddings.LayerNorm");
  torch::Tensor extended = (1.0 - mask.to(torch::kFloat)).reshape({b, 1, 1, t}) * -1e9;
  for (int64_t layer : layers) {
    const std::string p = "encoder.layer." + std::to_string(layer) + ".";
    auto heads_of = [&](const torch::Tensor& v) { return v.reshape({b, t, bert_heads, d}).permute({0, 2, 1, 3}); };
    torch::Tensor q = heads_of(linear(x, p + "attention.self.query"));
    torch::Tensor k = heads_of(linear(x, p + "attention.self.key"));
    torch::Tensor v = heads_of(linear(x, p + "attention.self.value"));
    torch::Tensor probs = torch::softmax(torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(d)) + extended, -1);
    torch::Tensor context = torch::matmul(probs, v).permute({0, 2, 1, 3}).reshape({b, t, bert_dim});
    torch::Tensor h = norm(linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm");
    torch::Tensor inner = torch::gelu(linear(h, p + "intermediate.dense"));
    x = norm(linear(inner, p + "output.dense") + h, p + "output.LayerNorm");
  }
  return x;
}

mmkd::TensorMap batch() {
  torch::Tensor ids = torch::tensor({2, 5, 6, 7, 3, 0, 2, 8, 3, 0, 0, 0}, torch::kLong).reshape({2, 6});
  torch::Tensor types = torch::tensor({0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0}, torch::kLong).reshape({2, 6});
  return {{"ids", ids}, {"mask", (ids != 0).to(torch::kLong)}, {"types", types}};
}

std::shared_ptr<mmkd::Encoder> make(const std::string& options) {
  auto encoder = mmkd::testing::make<mmkd::Kind::Encoder>("bert", options);
  encoder->eval();
  return encoder;
}

TEST(Bert, MatchesBertModelOnHuggingFaceWeights) {
  TempDir dir;
  mmkd::TensorMap weights;
  for (auto& [key, value] : hf_bert_weights(depth)) weights["bert." + key] = value;
  weights["cls.predictions.bias"] = torch::zeros({vocab});
  mmkd::write_safetensors(dir.file("bert.safetensors"), weights);
  auto bert = make("{vocab_size: 30, max_len: 10, dim: 16, depth: 2, heads: 2, norm_eps: 1e-12, pooler: true, "
                   "checkpoint: '" + dir.file("bert.safetensors") + "'}");
  mmkd::TensorMap in = batch(), out = bert->forward(in);
  torch::Tensor expected = reference_bert(hf_bert_weights(depth), in["ids"], in["mask"], in["types"], {0, 1});
  torch::Tensor valid = in["mask"].to(torch::kBool);
  EXPECT_TRUE(torch::allclose(out.at("tokens").index({valid}), expected.index({valid}), 1e-4, 1e-4));
  torch::Tensor pooled = torch::tanh(torch::matmul(expected.select(1, 0), weights.at("bert.pooler.dense.weight").t()) +
                                     weights.at("bert.pooler.dense.bias"));
  EXPECT_TRUE(torch::allclose(out.at("pooled"), pooled, 1e-4, 1e-4));
}

TEST(Bert, ShallowStudentFromChosenLayers) {
  TempDir dir;
  mmkd::write_safetensors(dir.file("deep.safetensors"), hf_bert_weights(4));
  auto bert = make("{vocab_size: 30, max_len: 10, dim: 16, depth: 2, heads: 2, norm_eps: 1e-12, layers: [0, 2], "
                   "checkpoint: '" + dir.file("deep.safetensors") + "'}");
  mmkd::TensorMap in = batch();
  torch::Tensor expected = reference_bert(hf_bert_weights(4), in["ids"], in["mask"], in["types"], {0, 2});
  torch::Tensor valid = in["mask"].to(torch::kBool);
  EXPECT_TRUE(torch::allclose(bert->forward(in).at("tokens").index({valid}), expected.index({valid}), 1e-4, 1e-4));
}

TEST(Bert, ExportUsesHuggingFaceNamesAndLoadsBack) {
  TempDir dir;
  torch::manual_seed(1);
  auto original = make(tiny_bert.substr(0, tiny_bert.size() - 1) + ", embed_dim: 8, output_layers: true}");
  auto tensors = mmkd::export_checkpoint(*original, original->export_layout());
  for (const char* key : {"embeddings.word_embeddings.weight", "encoder.layer.1.attention.self.key.bias",
                          "encoder.layer.0.output.LayerNorm.weight", "embedding_head.weight"})
    EXPECT_TRUE(tensors.count(key)) << key;
  mmkd::write_safetensors(dir.file("w.safetensors"), tensors);
  torch::manual_seed(2);
  auto loaded = make(tiny_bert.substr(0, tiny_bert.size() - 1) + ", embed_dim: 8, output_layers: true, checkpoint: '" +
                     dir.file("w.safetensors") + "'}");
  auto a = original->forward(batch()), b = loaded->forward(batch());
  EXPECT_TRUE(torch::equal(a.at("embedding"), b.at("embedding")));
  EXPECT_EQ(a.at("layers").sizes(), (std::vector<int64_t>{2, 2, 6, 16}));
  EXPECT_TRUE(torch::equal(a.at("layers")[1], a.at("tokens")));
}

// The hub's BERT files name LayerNorm parameters gamma / beta (transformers renames them on load).
mmkd::TensorMap with_hub_layer_norm_names(const mmkd::TensorMap& weights) {
  mmkd::TensorMap renamed;
  for (const auto& [key, value] : weights) {
    std::string hub = key;
    for (auto [ending, legacy] : {std::pair{"LayerNorm.weight", "gamma"}, {"LayerNorm.bias", "beta"}}) {
      const size_t at = hub.rfind(ending);
      if (at != std::string::npos && at + std::strlen(ending) == hub.size()) hub.replace(at + 10, std::string::npos, legacy);
    }
    renamed[hub] = value;
  }
  return renamed;
}

TEST(Bert, LoadsTheHubsGammaAndBetaNamesStrictly) {
  TempDir dir;
  mmkd::TensorMap hub;
  for (auto& [key, value] : with_hub_layer_norm_names(hf_bert_weights(depth))) hub["bert." + key] = value;
  ASSERT_TRUE(hub.count("bert.encoder.layer.1.output.LayerNorm.gamma"));
  mmkd::write_safetensors(dir.file("hub.safetensors"), hub);
  mmkd::write_safetensors(dir.file("renamed.safetensors"), hf_bert_weights(depth));
  auto from_hub = make(tiny_bert.substr(0, tiny_bert.size() - 1) + ", checkpoint: '" + dir.file("hub.safetensors") + "'}");
  auto from_renamed =
      make(tiny_bert.substr(0, tiny_bert.size() - 1) + ", checkpoint: '" + dir.file("renamed.safetensors") + "'}");
  EXPECT_TRUE(torch::equal(from_hub->forward(batch()).at("tokens"), from_renamed->forward(batch()).at("tokens")));
}

TEST(Bert, NonStrictLoadNamesEveryTensorLeftAtItsInitialValue) {
  TempDir dir;
  mmkd::TensorMap weights = hf_bert_weights(depth);
  for (auto it = weights.begin(); it != weights.end();)
    it = it->first.find("LayerNorm") != std::string::npos ? weights.erase(it) : std::next(it);
  mmkd::write_safetensors(dir.file("no_norms.safetensors"), weights);
  ::testing::internal::CaptureStderr();
  make(tiny_bert.substr(0, tiny_bert.size() - 1) + ", strict: false, checkpoint: '" + dir.file("no_norms.safetensors") +
       "'}");
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("WARNING: 10 of the model's tensors were not in " + dir.file("no_norms.safetensors") +
                     " and keep their initial (random) values: "),
            std::string::npos)
      << log;
  for (const char* name : {"embed_norm.weight", "embed_norm.bias", "blocks.0.norm1.weight", "blocks.1.norm2.bias"})
    EXPECT_NE(log.find(name), std::string::npos) << name << " in " << log;
}

TEST(Bert, PaddingDoesNotChangeRealTokens) {
  torch::manual_seed(3);
  auto bert = make(tiny_bert);
  mmkd::TensorMap in = batch(), changed = batch();
  changed["ids"] = in["ids"].masked_fill(in["mask"] == 0, 9);
  EXPECT_TRUE(torch::allclose(bert->forward(in).at("cls"), bert->forward(changed).at("cls"), 1e-5, 1e-5));
}

TEST(Bert, SixLayersWithEmbeddingsHave66Point4MParameters) {  // Table 9
  auto bert = make("{depth: 6, dim: 768, heads: 12}");
  EXPECT_EQ(mmkd::parameter_count(*bert), 66364416);
  EXPECT_EQ(mmkd::format_parameter_count(66364416), "66,364,416 (66.4M)");
}

// BertModel's hidden_states: the embeddings' output, then every block's.
TEST(Bert, LayersCanStartWithTheEmbeddingOutput) {
  torch::manual_seed(3);
  auto bert = make(tiny_bert.substr(0, tiny_bert.size() - 1) + ", output_layers: true, layers_include_embeddings: true}");
  mmkd::TensorMap in = batch(), out = bert->forward(in);
  ASSERT_EQ(out.at("layers").size(0), depth + 1);
  EXPECT_TRUE(torch::equal(out.at("layers")[depth], out.at("tokens")));
  auto p = bert->named_parameters();
  torch::Tensor embedded = torch::layer_norm(
      p["word_embed.weight"].index_select(0, in["ids"].reshape(-1)).reshape({2, 6, bert_dim}) +
          p["pos_embed.weight"].slice(0, 0, 6) +
          p["type_embed.weight"].index_select(0, in["types"].reshape(-1)).reshape({2, 6, bert_dim}),
      {bert_dim}, p["embed_norm.weight"], p["embed_norm.bias"], 1e-12);
  EXPECT_TRUE(torch::allclose(out.at("layers")[0], embedded, 1e-5, 1e-5));
  mmkd::testing::expect_error_naming([] { make("{layers_include_embeddings: true}"); },
                                     {"layers_include_embeddings", "output_layers"});
}

TEST(Bert, RejectsOptionsBertDoesNotHave) {
  mmkd::testing::expect_error_naming([] { make("{qkv_bias: qv}"); }, {"qkv_bias", "BERT"});
}

// Table 18 row 2: a new token-type vector added to the pretrained embeddings (Eq. 58), loaded
// strictly from BERT's own file and exported by no BertModel key.
TEST(Bert, TypeEmbeddingAddsAFreshVectorBeforeTheEmbeddingNorm) {
  TempDir dir;
  mmkd::write_safetensors(dir.file("bert.safetensors"), hf_bert_weights(depth));
  auto bert = make(tiny_bert.substr(0, tiny_bert.size() - 1) + ", type_embedding: true, checkpoint: '" +
                   dir.file("bert.safetensors") + "'}");
  auto p = bert->named_parameters();
  ASSERT_TRUE(p.contains("modality_type_embed"));
  const torch::Tensor added = p["modality_type_embed"].detach().reshape({bert_dim});
  EXPECT_GT(added.abs().sum().item<double>(), 0.0);
  mmkd::TensorMap shifted = hf_bert_weights(depth);
  shifted["embeddings.token_type_embeddings.weight"] = shifted["embeddings.token_type_embeddings.weight"] + added;
  mmkd::TensorMap in = batch();
  torch::Tensor expected = reference_bert(shifted, in["ids"], in["mask"], in["types"], {0, 1});
  torch::Tensor valid = in["mask"].to(torch::kBool);
  EXPECT_TRUE(torch::allclose(bert->forward(in).at("tokens").index({valid}), expected.index({valid}), 1e-4, 1e-4));
  mmkd::testing::expect_error_naming([&] { bert->export_layout(); }, {"type_embedding", "not exported"});
}

}  // namespace
