// The replay driver linked into each fuzz target in the normal (GCC) build, where libFuzzer is not
// available: it runs every file of the checked-in seed corpus, then a bounded number of seeded
// random mutations of them (bit flips, byte edits, inserted / deleted / repeated ranges, splices,
// truncations), so CI exercises the same entry point libFuzzer drives in the clang build.
//
//   fuzz_x [--iterations N] [--seed S] [--max-len BYTES] CORPUS_DIR_OR_FILE...
//   env FUZZ_ITERATIONS / FUZZ_SEED override the arguments (replay a CI failure with its seed).
// A crashing input is written to ./fuzz-crash-<target>.bin (or $FUZZ_CRASH_DIR) before the
// process dies, so it can be minimised with the libFuzzer build and added to the corpus.
#include "FuzzSupport.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

using Bytes = std::vector<uint8_t>;

// The input being run, for the crash handler (async-signal-safe: only open/write/close).
const Bytes *g_current = nullptr;
char g_crashPath[4096];

void onFatalSignal(int signal)
{
    if (g_current) {
        const int fd = ::open(g_crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            ssize_t ignored = ::write(fd, g_current->data(), g_current->size());
            (void)ignored;
            ::close(fd);
        }
        const char note[] = "fuzz replay: the crashing input was written to ";
        ssize_t ignored = ::write(2, note, sizeof note - 1);
        ignored = ::write(2, g_crashPath, std::strlen(g_crashPath));
        ignored = ::write(2, "\n", 1);
        (void)ignored;
    }
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

Bytes readFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void run(const Bytes &input)
{
    g_current = &input;
    LLVMFuzzerTestOneInput(input.data(), input.size());
    g_current = nullptr;
}

// One random edit of `data`; `corpus` supplies splice material.
void mutate(Bytes &data, const std::vector<Bytes> &corpus, std::mt19937_64 &rng, size_t maxLen)
{
    auto pick = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % n); };
    static const uint8_t interesting[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, '/', '.', '"', '\\', '\n', '{', '}', '[', ']', ':', ',', '0', '9', '-' };
    switch (rng() % 9) {
    case 0:   // flip one bit
        if (!data.empty())
            data[pick(data.size())] ^= uint8_t(1u << (rng() % 8));
        break;
    case 1:   // set a random byte
        if (!data.empty())
            data[pick(data.size())] = uint8_t(rng());
        break;
    case 2:   // set an interesting byte
        if (!data.empty())
            data[pick(data.size())] = interesting[pick(sizeof interesting)];
        break;
    case 3: { // insert a few random bytes
        const size_t at = pick(data.size() + 1);
        const size_t n = 1 + pick(8);
        Bytes extra(n);
        for (auto &b : extra)
            b = (rng() & 1) ? uint8_t(rng()) : interesting[pick(sizeof interesting)];
        data.insert(data.begin() + long(at), extra.begin(), extra.end());
        break;
    }
    case 4: { // delete a range
        if (data.empty())
            break;
        const size_t at = pick(data.size());
        const size_t n = 1 + pick(std::min<size_t>(64, data.size() - at));
        data.erase(data.begin() + long(at), data.begin() + long(std::min(data.size(), at + n)));
        break;
    }
    case 5: { // repeat a range
        if (data.empty())
            break;
        const size_t at = pick(data.size());
        const size_t n = 1 + pick(std::min<size_t>(128, data.size() - at));
        Bytes copy(data.begin() + long(at), data.begin() + long(std::min(data.size(), at + n)));
        const size_t to = pick(data.size() + 1);
        data.insert(data.begin() + long(to), copy.begin(), copy.end());
        break;
    }
    case 6: { // splice: our head, another entry's tail
        const Bytes &other = corpus[pick(corpus.size())];
        if (other.empty())
            break;
        const size_t cut = pick(data.size() + 1);
        const size_t from = pick(other.size());
        data.resize(cut);
        data.insert(data.end(), other.begin() + long(from), other.end());
        break;
    }
    case 7:   // truncate
        data.resize(pick(data.size() + 1));
        break;
    case 8: { // overwrite 1-8 bytes with a little-endian number near a boundary
        if (data.size() < 8)
            break;
        static const uint64_t numbers[] = { 0, 1, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, ~uint64_t(0) };
        const uint64_t v = numbers[pick(sizeof numbers / sizeof numbers[0])];
        const size_t width = size_t(1) << (rng() % 4);
        const size_t at = pick(data.size() - width + 1);
        std::memcpy(data.data() + at, &v, width);
        break;
    }
    }
    if (data.size() > maxLen)
        data.resize(maxLen);
}

}  // namespace

int main(int argc, char **argv)
{
    long long iterations = 1000;
    unsigned long long seed = 1;
    size_t maxLen = 1 << 20;
    std::vector<std::filesystem::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--iterations" && i + 1 < argc)
            iterations = std::stoll(argv[++i]);
        else if (arg == "--seed" && i + 1 < argc)
            seed = std::stoull(argv[++i]);
        else if (arg == "--max-len" && i + 1 < argc)
            maxLen = size_t(std::stoull(argv[++i]));
        else if (arg.rfind("-", 0) == 0) {
            std::cerr << "usage: " << argv[0] << " [--iterations N] [--seed S] [--max-len BYTES] CORPUS...\n";
            return 2;
        } else
            inputs.emplace_back(arg);
    }
    if (const char *env = std::getenv("FUZZ_ITERATIONS"))
        iterations = std::stoll(env);
    if (const char *env = std::getenv("FUZZ_SEED"))
        seed = std::stoull(env);

    const std::string target = std::filesystem::path(argv[0]).filename().string();
    const char *crashDir = std::getenv("FUZZ_CRASH_DIR");
    std::snprintf(g_crashPath, sizeof g_crashPath, "%s/fuzz-crash-%s.bin", crashDir ? crashDir : ".", target.c_str());
    for (int sig : { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL })
        std::signal(sig, onFatalSignal);

    std::vector<Bytes> corpus;
    for (const auto &input : inputs) {
        std::error_code ec;
        if (std::filesystem::is_directory(input, ec)) {
            std::vector<std::filesystem::path> files;
            for (const auto &entry : std::filesystem::directory_iterator(input))
                if (entry.is_regular_file())
                    files.push_back(entry.path());
            std::sort(files.begin(), files.end());   // a stable order, so a seed replays
            for (const auto &file : files)
                corpus.push_back(readFile(file));
        } else if (std::filesystem::is_regular_file(input, ec)) {
            corpus.push_back(readFile(input));
        } else {
            std::cerr << target << ": no such corpus: " << input << "\n";
            return 2;
        }
    }
    if (corpus.empty()) {
        std::cerr << target << ": the corpus is empty\n";
        return 2;
    }

    std::cout << target << ": replaying " << corpus.size() << " corpus inputs, then " << iterations
              << " mutations with seed " << seed << " (FUZZ_SEED=" << seed << " replays)" << std::endl;
    for (const Bytes &input : corpus)
        run(input);

    std::mt19937_64 rng(seed);
    for (long long i = 0; i < iterations; ++i) {
        Bytes data = corpus[size_t(rng() % corpus.size())];
        const int edits = 1 + int(rng() % 4);
        for (int e = 0; e < edits; ++e)
            mutate(data, corpus, rng, maxLen);
        run(data);
    }
    std::cout << target << ": " << corpus.size() + size_t(iterations) << " inputs, no crash" << std::endl;
    return 0;
}
