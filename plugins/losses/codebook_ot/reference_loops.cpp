#include "reference_loops.hpp"

#include <torch/types.h>

#include <cmath>

namespace codis_reference {

Matrix to_matrix(const torch::Tensor& t) {
  const torch::Tensor d = t.to(torch::kDouble).contiguous();
  Matrix m(d.size(0), Vector(d.size(1)));
  for (int64_t i = 0; i < d.size(0); ++i)
    for (int64_t j = 0; j < d.size(1); ++j) m[i][j] = d[i][j].item<double>();
  return m;
}

double cosine(const Vector& a, const Vector& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t d = 0; d < a.size(); ++d) ab += a[d] * b[d], aa += a[d] * a[d], bb += b[d] * b[d];
  return ab / std::sqrt(aa * bb);
}

Matrix ipot(const Matrix& cost, const Vector& mu, const Vector& nu, double epsilon, int outer, int inner) {
  const size_t n = cost.size(), k = cost[0].size();
  Matrix T(n, Vector(k, 1.0)), Q(n, Vector(k));
  Vector sigma(k, 1.0 / k), delta(n, 1.0);
  for (int t = 0; t < outer; ++t) {
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < k; ++j) Q[i][j] = std::exp(-cost[i][j] / epsilon) * T[i][j];
    for (int step = 0; step < inner; ++step) {
      for (size_t i = 0; i < n; ++i) {
        double s = 0;
        for (size_t j = 0; j < k; ++j) s += Q[i][j] * sigma[j];
        delta[i] = mu[i] / s;
      }
      for (size_t j = 0; j < k; ++j) {
        double s = 0;
        for (size_t i = 0; i < n; ++i) s += Q[i][j] * delta[i];
        sigma[j] = nu[j] / s;
      }
    }
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < k; ++j) T[i][j] = delta[i] * Q[i][j] * sigma[j];
  }
  return T;
}

double frobenius(const Matrix& a, const Matrix& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[i].size(); ++j) s += a[i][j] * b[i][j];
  return s;
}

namespace {

Matrix cosines(const Matrix& rows, const Matrix& columns) {
  Matrix m(rows.size(), Vector(columns.size()));
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < columns.size(); ++j) m[i][j] = cosine(rows[i], columns[j]);
  return m;
}

Vector softmax(const Vector& logits) {
  double total = 0;
  Vector p(logits.size());
  for (size_t j = 0; j < logits.size(); ++j) total += p[j] = std::exp(logits[j]);
  for (double& e : p) e /= total;
  return p;
}

// Mean over rows of -sum_j targets[i][j] * log softmax(similarity[i] / temperature)[j].
double cross_entropy(const Matrix& similarity, const Matrix& targets, double temperature) {
  double loss = 0;
  for (size_t i = 0; i < similarity.size(); ++i) {
    Vector logits = similarity[i];
    for (double& e : logits) e /= temperature;
    const Vector p = softmax(logits);
    for (size_t j = 0; j < p.size(); ++j) loss -= targets[i][j] * std::log(p[j]) / similarity.size();
  }
  return loss;
}

Matrix rows_summing_to_one(Matrix m) {
  for (Vector& row : m) {
    double s = 0;
    for (double e : row) s += e;
    for (double& e : row) e /= s;
  }
  return m;
}

}  // namespace

CodebookParts codebook_loss(const Matrix& image, const Matrix& text, const Matrix& image_momentum,
                            const Matrix& text_momentum, const Matrix& codebook, double temperature, double epsilon,
                            int outer, int inner, bool swapped) {
  const size_t n = image.size(), k = codebook.size();
  const Vector mu(n, 1.0 / n), nu(k, 1.0 / k);
  Matrix image_cost = cosines(image_momentum, codebook), text_cost = cosines(text_momentum, codebook);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) image_cost[i][j] = 1 - image_cost[i][j], text_cost[i][j] = 1 - text_cost[i][j];
  const Matrix image_plan = ipot(image_cost, mu, nu, epsilon, outer, inner);
  const Matrix text_plan = ipot(text_cost, mu, nu, epsilon, outer, inner);
  CodebookParts parts;
  parts.ot_image = frobenius(image_plan, image_cost);
  parts.ot_text = frobenius(text_plan, text_cost);
  const Matrix image_targets = rows_summing_to_one(swapped ? text_plan : image_plan);
  const Matrix text_targets = rows_summing_to_one(swapped ? image_plan : text_plan);
  parts.tp = cross_entropy(cosines(text, codebook), text_targets, temperature);
  parts.ip = cross_entropy(cosines(image, codebook), image_targets, temperature);
  return parts;
}

namespace {

double alignment_term(const Matrix& query, const Matrix& teacher_query, const Matrix& batch, const Matrix& queue,
                      double temperature, double alpha) {
  Matrix candidates = batch;
  candidates.insert(candidates.end(), queue.begin(), queue.end());
  Matrix targets(query.size());
  for (size_t i = 0; i < query.size(); ++i) {
    Vector logits(candidates.size());
    for (size_t j = 0; j < candidates.size(); ++j) logits[j] = cosine(teacher_query[i], candidates[j]) / temperature;
    targets[i] = softmax(logits);
    for (size_t j = 0; j < candidates.size(); ++j) targets[i][j] = alpha * targets[i][j] + (1 - alpha) * (i == j);
  }
  return cross_entropy(cosines(query, candidates), targets, temperature);
}

}  // namespace

AlignmentParts alignment_loss(const Matrix& image, const Matrix& text, const Matrix& image_momentum,
                              const Matrix& text_momentum, const Matrix& image_queue, const Matrix& text_queue,
                              double temperature, double alpha) {
  AlignmentParts parts;
  parts.i2t = alignment_term(image, image_momentum, text_momentum, text_queue, temperature, alpha);
  parts.t2i = alignment_term(text, text_momentum, image_momentum, image_queue, temperature, alpha);
  parts.i2i = alignment_term(image, image_momentum, image_momentum, image_queue, temperature, alpha);
  parts.t2t = alignment_term(text, text_momentum, text_momentum, text_queue, temperature, alpha);
  return parts;
}

}  // namespace codis_reference
