#include <mmkd/progress.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using mmkd::CountProgress;
using mmkd::format_progress;

namespace {

// A progress display writing to a temporary file, with a clock the test sets.
struct RecordedProgress {
  RecordedProgress(int64_t total, bool terminal)
      : file(std::tmpfile(), std::fclose),
        progress("tokenize", total, "documents", file.get(), terminal, [this] { return now; }) {}

  std::string written() {
    std::fflush(file.get());
    std::rewind(file.get());
    std::string text;
    for (int c; (c = std::fgetc(file.get())) != EOF;) text += static_cast<char>(c);
    return text;
  }

  double now = 100;  // the clock need not start at 0
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file;
  CountProgress progress;
};

}  // namespace

TEST(Progress, CountsAndDurations) {
  EXPECT_EQ(mmkd::format_count(0), "0");
  EXPECT_EQ(mmkd::format_count(999), "999");
  EXPECT_EQ(mmkd::format_count(1000), "1,000");
  EXPECT_EQ(mmkd::format_count(1234567), "1,234,567");
  EXPECT_EQ(mmkd::format_count(-1234), "-1,234");
  EXPECT_EQ(mmkd::format_duration(3725), "1h02m");
  EXPECT_EQ(mmkd::format_duration(185), "3m05s");
  EXPECT_EQ(mmkd::format_duration(41.6), "42s");
  EXPECT_EQ(mmkd::format_duration(-3), "0s");
}

TEST(Progress, LineWithKnownTotalHasRateAndEta) {
  // 1234 in 3 s: 411.3/s; (5000 - 1234) / 411.3 = 9.2 s left
  EXPECT_EQ(format_progress("tokenize", 1234, 5000, "documents", 3.0),
            "tokenize  1,234/5,000 documents  411/s  ETA 9s");
  // 3 in 2 s: 1.5/s; 7 left take 4.7 s
  EXPECT_EQ(format_progress("copy", 3, 10, "files", 2.0), "copy  3/10 files  1.5/s  ETA 5s");
  EXPECT_EQ(format_progress("copy", 1000, 100000, "files", 100.0), "copy  1,000/100,000 files  10/s  ETA 2h45m");
  EXPECT_EQ(format_progress("tokenize", 0, 5000, "documents", 0.0), "tokenize  0/5,000 documents");
  EXPECT_EQ(format_progress("tokenize", 0, 5000, "documents", 4.0), "tokenize  0/5,000 documents");
  EXPECT_EQ(format_progress("tokenize", 5000, 5000, "documents", 10.0), "tokenize  5,000/5,000 documents  500/s");
}

TEST(Progress, LineWithUnknownTotalAndFinalLine) {
  EXPECT_EQ(format_progress("tokenize", 1234, 0, "documents", 2.0), "tokenize  1,234 documents  617/s");
  EXPECT_EQ(format_progress("tokenize", 5000, 5000, "documents", 12.4, true),
            "tokenize  5,000/5,000 documents  403/s  in 12s");
  EXPECT_EQ(format_progress("tokenize", 7, 0, "documents", 0.0, true), "tokenize  7 documents  in 0s");
}

TEST(Progress, PlainOutputWritesALineEvery10SecondsAndAFinalLine) {
  RecordedProgress recorded(100, false);
  recorded.now = 101;
  recorded.progress.advance(10);
  recorded.now = 110.5;
  recorded.progress.advance(10);  // 10.5 s since the start: shown
  recorded.now = 115;
  recorded.progress.advance(5);
  recorded.now = 120.4;
  recorded.progress.advance(5);  // 9.9 s since the last line: not shown
  recorded.now = 120.6;
  recorded.progress.advance(20);
  recorded.now = 125;
  recorded.progress.finish();
  recorded.progress.finish();
  EXPECT_EQ(recorded.progress.done(), 50);
  EXPECT_EQ(recorded.written(),
            "tokenize  20/100 documents  1.9/s  ETA 42s\n"
            "tokenize  50/100 documents  2.4/s  ETA 21s\n"
            "tokenize  50/100 documents  2.0/s  in 25s\n");
}

TEST(Progress, TerminalOutputRewritesOneLineAtMostTenTimesASecond) {
  RecordedProgress recorded(0, true);
  recorded.now = 100.05;
  recorded.progress.advance();  // too soon after the start
  recorded.now = 100.5;
  recorded.progress.advance();
  recorded.now = 100.55;
  recorded.progress.advance();  // too soon after the last line
  recorded.now = 101;
  recorded.progress.finish();
  EXPECT_EQ(recorded.written(),
            "\r\033[Ktokenize  2 documents  4.0/s"
            "\r\033[Ktokenize  3 documents  3.0/s  in 1s\n");
}

TEST(Progress, AdvanceFromManyThreads) {
  RecordedProgress recorded(40000, false);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) recorded.progress.advance();
    });
  for (std::thread& thread : threads) thread.join();
  recorded.progress.finish();
  EXPECT_EQ(recorded.progress.done(), 40000);
  EXPECT_EQ(recorded.written(), "");  // no time passed: a plain log says nothing of it
}

TEST(Progress, PlainOutputHasAFinalLineForAPhaseOfASecondOrMore) {
  RecordedProgress recorded(3, false);
  recorded.progress.advance(3);
  recorded.now = 101.5;
  recorded.progress.finish();
  EXPECT_EQ(recorded.written(), "tokenize  3/3 documents  2.0/s  in 2s\n");
}
