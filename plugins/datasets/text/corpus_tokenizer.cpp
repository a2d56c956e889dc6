#include "corpus_tokenizer.hpp"

#include "document_cleaning.hpp"
#include "document_reader.hpp"
#include "val_split.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

namespace mmkd::text {

namespace {

// Fixed sizes, so that the batches and hence the output do not depend on the thread count.
constexpr size_t batch_documents = 4096;
constexpr size_t batch_json_bytes = size_t{64} << 20;

struct TokenizedDocument {
  bool val = false;
  std::string token_bytes;
  int64_t tokens = 0, unknown_tokens = 0;
  std::exception_ptr error;
};

bool goes_to_val(const CorpusFile& file, const std::string& text, const CorpusSplitSettings& settings) {
  if (file.split == SplitRule::by_hash) return in_val_split(text, settings.seed, settings.val_fraction);
  return file.split == SplitRule::val;
}

TokenizedDocument tokenize_document(const DocumentJob& job, const WordpieceTokenizer& tokenizer,
                                    const CorpusSplitSettings& settings) {
  TokenizedDocument out;
  try {
    const std::string text = load_document(job);
    out.val = goes_to_val(*job.file, text, settings);
    const std::vector<int64_t> ids = tokenizer.encode(drop_noise_lines(text));
    out.tokens = static_cast<int64_t>(ids.size());
    out.unknown_tokens = std::count(ids.begin(), ids.end(), tokenizer.unk_id());
    out.token_bytes = token_bytes_of(ids);
  } catch (...) {
    out.error = std::current_exception();
  }
  return out;
}

std::vector<TokenizedDocument> tokenize_batch(const std::vector<DocumentJob>& jobs, const WordpieceTokenizer& tokenizer,
                                              const CorpusSplitSettings& settings, CountProgress& progress) {
  std::vector<TokenizedDocument> results(jobs.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      results[i] = tokenize_document(jobs[i], tokenizer, settings);
      progress.advance();
    }
  };
  const size_t helpers = std::min(jobs.size(), static_cast<size_t>(std::max(settings.threads, 1))) - 1;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < helpers; ++t) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  return results;
}

void add_document(SplitCounts& counts, const TokenizedDocument& document) {
  ++counts.documents;
  counts.tokens += document.tokens;
  counts.unknown_tokens += document.unknown_tokens;
}

}  // namespace

CorpusCounts tokenize_corpus(const std::vector<CorpusFile>& files, const WordpieceTokenizer& tokenizer,
                             const CorpusSplitSettings& settings, TokenFileWriter& train, TokenFileWriter& val,
                             CountProgress& progress) {
  CorpusCounts counts;
  DocumentReader reader(files);
  for (std::vector<DocumentJob> jobs; !(jobs = reader.next_batch(batch_documents, batch_json_bytes)).empty();) {
    for (const TokenizedDocument& document : tokenize_batch(jobs, tokenizer, settings, progress)) {
      if (document.error) std::rethrow_exception(document.error);
      (document.val ? val : train).write(document.token_bytes);
      add_document(document.val ? counts.val : counts.train, document);
    }
  }
  return counts;
}

}  // namespace mmkd::text
