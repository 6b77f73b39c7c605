// Fuzz target: bytes -> an archive file -> the exports' safe extraction into <sandbox>/target.
// Asserts that nothing outside the target changes: a sibling folder "outside" (files, a
// subfolder, a file that hard links could reach) and the sandbox folder itself (the archive file,
// no new entries) are snapshotted before and compared after, and the target holds a planted
// symlink "planted -> ../outside" that every member written through it must be refused at.
// Also: no crash, no hang (libarchive reads are bounded by the input), a clean error or result.
#include "FuzzSupport.h"

#include "exports/ArchiveExtraction.h"

#include <QString>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// The one call into the exports code, kept small so it follows the extraction API as it changes.
// Runs on a fresh thread: the extraction may give its thread a private working directory.
void extractInto(const fs::path &archive, const fs::path &target)
{
    bd::ExtractOptions options;
    options.maxExpandedBytes = qint64(64) * 1024 * 1024;   // a fuzzed bomb stops here, not at the disk
    options.freeSpaceMarginBytes = 0;
    bd::ExtractOutcome outcome;
    std::thread worker([&] {
        bd::ExtractControl control;
        outcome = bd::extractArchive(QString::fromStdString(archive.string()), QString::fromStdString(target.string()),
                                     options, control);
    });
    worker.join();
    if (outcome.error.isError())
        fuzzsupport::check(!outcome.error.message.isEmpty(), "an extraction error without a message");
    for (const bd::RefusedEntry &refused : outcome.result.refused)
        fuzzsupport::check(!refused.reason.isEmpty(), "a refused entry without a reason");
}

// FUZZ_ARCHIVE_SELF_TEST=1: write through the planted link after each extraction, as an escaping
// extraction would, to show that the snapshot comparison catches it (the run must then abort).
void selfTestEscape(const fs::path &target)
{
    static const bool enabled = std::getenv("FUZZ_ARCHIVE_SELF_TEST") != nullptr;
    if (enabled)
        std::ofstream(target / "planted" / "secret.txt", std::ios::app) << "escaped\n";
}

struct NodeState {
    mode_t mode = 0;
    off_t size = 0;
    nlink_t links = 0;
    ino_t inode = 0;
    long long mtimeNs = 0;
    std::string content;   // file bytes or link target
    bool operator==(const NodeState &) const = default;
};
using Snapshot = std::map<std::string, NodeState>;

// Every entry under `root` (not following links), minus `skip` (the target, which may change).
void snapshot(const fs::path &root, const fs::path &skip, Snapshot &out)
{
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const fs::path path = it->path();
        if (path == skip) {
            it.disable_recursion_pending();
            continue;
        }
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0)
            continue;
        NodeState node{ st.st_mode, st.st_size, st.st_nlink, st.st_ino,
                        (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, {} };
        if (S_ISREG(st.st_mode)) {
            std::ifstream in(path, std::ios::binary);
            node.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        } else if (S_ISLNK(st.st_mode)) {
            node.content = fs::read_symlink(path, ec).string();
        }
        out[path.string()] = node;
    }
}

// Removes a tree even when the extraction left folders without write permission.
void removeTree(const fs::path &root)
{
    std::error_code ec;
    fs::remove_all(root, ec);
    if (!ec)
        return;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->is_directory(ec) && !it->is_symlink(ec))
            ::chmod(it->path().c_str(), 0700);
    ::chmod(root.c_str(), 0700);
    fs::remove_all(root, ec);
    fuzzsupport::check(!ec, "cannot clean the target between inputs", ec.message().c_str());
}

struct Sandbox {
    fs::path root, outside, target, archive;

    Sandbox()
    {
        const char *tmp = std::getenv("TMPDIR");
        root = fs::path(tmp && *tmp ? tmp : "/tmp") / ("bd-fuzz-extract-" + std::to_string(::getpid()));
        removeTree(root);
        outside = root / "outside";
        target = root / "target";
        archive = root / "input.archive";
        fs::create_directories(outside / "sub");
        std::ofstream(outside / "secret.txt") << "outside, must not change\n";
        std::ofstream(outside / ".bashrc") << "# a start-up file an attacker would like to append to\n";
        std::ofstream(outside / "sub" / "nested.txt") << "nested\n";
        ::chmod((outside / "secret.txt").c_str(), 0644);
    }
    ~Sandbox() { removeTree(root); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Sandbox box;
    {
        std::ofstream out(box.archive, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char *>(data), std::streamsize(size));
    }
    removeTree(box.target);
    fs::create_directories(box.target);
    fs::create_symlink("../outside", box.target / "planted");   // a link the archive may try to use

    Snapshot before;
    snapshot(box.root, box.target, before);
    extractInto(box.archive, box.target);
    selfTestEscape(box.target);
    Snapshot after;
    snapshot(box.root, box.target, after);

    if (before != after) {
        std::string diff;
        for (const auto &[path, node] : after) {
            auto old = before.find(path);
            if (old == before.end())
                diff += "created " + path + "\n";
            else if (!(old->second == node))
                diff += "changed " + path + "\n";
        }
        for (const auto &[path, node] : before)
            if (!after.count(path))
                diff += "removed " + path + "\n";
        fuzzsupport::fail("the extraction changed something outside its target", diff.c_str());
    }
    return 0;
}
