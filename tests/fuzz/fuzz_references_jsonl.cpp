// Fuzz target: bytes -> a references JSONL file (spec §7.1) -> ReferencesIngestOperation's reader
// and validator (readReferencesFile, validate, describeProblems, stableIngestId).
// Asserts: no crash; a refused file gives InvalidInput with a message; accepted entries carry
// their 1-based line; every problem points at a real entry and line, has a message, and never
// quotes the URL's query (signed URLs are credentials).
#include "FuzzSupport.h"

#include "staging/ReferencesIngestOperation.h"

#include <QFile>
#include <QUrl>

#include <string>

#include <unistd.h>

using bd::staging::ReferenceEntry;
using bd::staging::ReferencesIngestOperation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QString path = [] {
        const char *tmp = std::getenv("TMPDIR");
        return QString::fromLocal8Bit(tmp && *tmp ? tmp : "/tmp") + QStringLiteral("/bd-fuzz-references-%1.jsonl").arg(::getpid());
    }();
    {
        QFile file(path);
        fuzzsupport::check(file.open(QIODevice::WriteOnly | QIODevice::Truncate), "cannot write the input file");
        file.write(reinterpret_cast<const char *>(data), qint64(size));
    }
    bd::Error error;
    const QVector<ReferenceEntry> entries = ReferencesIngestOperation::readReferencesFile(path, &error);
    QFile::remove(path);
    if (error.isError()) {
        fuzzsupport::check(error.kind == bd::ErrorKind::InvalidInput, "a refused file that is not InvalidInput",
                           qPrintable(error.message));
        fuzzsupport::check(!error.message.isEmpty(), "a refused file without a message");
        return 0;
    }
    for (const ReferenceEntry &entry : entries)
        fuzzsupport::check(entry.line >= 1, "an entry without its line");

    const auto problems = ReferencesIngestOperation::validate(entries);
    for (const auto &problem : problems) {
        fuzzsupport::check(problem.index >= 0 && problem.index < entries.size(), "a problem pointing at no entry");
        const ReferenceEntry &entry = entries[problem.index];
        fuzzsupport::check(problem.line == entry.line, "a problem with another entry's line");
        fuzzsupport::check(!problem.message.isEmpty(), "a problem without a message");
        const QString query = QUrl(entry.url).query(QUrl::FullyEncoded);
        const QString rawQuery = entry.url.section(QLatin1Char('?'), 1);
        for (const QString &secret : { query, rawQuery })
            if (secret.size() >= 8 && !entry.name.contains(secret))
                fuzzsupport::check(!problem.message.contains(secret), "a problem message quotes the URL's query",
                                   qPrintable(problem.message));
    }
    const QString summary = ReferencesIngestOperation::describeProblems(problems);
    fuzzsupport::check(problems.isEmpty() || !summary.isEmpty(), "problems without a summary");

    bd::staging::ReferencesIngestOptions options;
    options.batchId = QStringLiteral("fuzz-batch");
    options.references = entries;
    const QString ingestId = ReferencesIngestOperation::stableIngestId(options);
    fuzzsupport::check(!ingestId.isEmpty(), "an empty stable ingest id");
    fuzzsupport::check(ReferencesIngestOperation::chunkIngestId(ingestId, 0, 1) == ingestId,
                       "one chunk does not keep the base id");
    return 0;
}
