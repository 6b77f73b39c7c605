#include "staging/ScanResult.h"

#include "core/Format.h"

#include <QCoreApplication>

namespace bd::staging {

namespace {
struct ReasonInfo {
    const char *name;
    const char *text;
};
// Indexed by SkipReason.
constexpr ReasonInfo kReasons[kSkipReasonCount] = {
    { "hidden", QT_TRANSLATE_NOOP("bd::staging", "hidden") },
    { "unsupported-extension", QT_TRANSLATE_NOOP("bd::staging", "unsupported extension") },
    { "empty-file", QT_TRANSLATE_NOOP("bd::staging", "empty file") },
    { "too-large", QT_TRANSLATE_NOOP("bd::staging", "larger than 20 MiB") },
    { "not-an-image", QT_TRANSLATE_NOOP("bd::staging", "not an image by its content") },
    { "unreadable", QT_TRANSLATE_NOOP("bd::staging", "unreadable") },
    { "symlink-loop", QT_TRANSLATE_NOOP("bd::staging", "symbolic link loop") },
    { "broken-symlink", QT_TRANSLATE_NOOP("bd::staging", "broken symbolic link") },
    { "not-regular-file", QT_TRANSLATE_NOOP("bd::staging", "not a regular file") },
    { "symlink-not-followed", QT_TRANSLATE_NOOP("bd::staging", "symbolic link not followed") },
    { "subfolder-not-scanned", QT_TRANSLATE_NOOP("bd::staging", "subfolder not scanned (not recursive)") },
    { "duplicate", QT_TRANSLATE_NOOP("bd::staging", "already found by another path") },
    { "not-found", QT_TRANSLATE_NOOP("bd::staging", "does not exist") },
};
}  // namespace

QString skipReasonText(SkipReason reason)
{
    return QCoreApplication::translate("bd::staging", kReasons[int(reason)].text);
}

QString skipReasonName(SkipReason reason)
{
    return QString::fromLatin1(kReasons[int(reason)].name);
}

int ScanResult::skippedTotal() const
{
    int n = 0;
    for (const int count : skippedByReason)
        n += count;
    return n;
}

QString ScanResult::summary() const
{
    QStringList parts;
    if (imageCount > 0 || videoCount == 0)
        parts << QCoreApplication::translate("bd::staging", "%n image(s)", nullptr, imageCount);
    if (videoCount > 0)
        parts << QCoreApplication::translate("bd::staging", "%n video(s)", nullptr, videoCount);
    QString text = parts.join(QStringLiteral(", ")) + QStringLiteral(" (") + formatBytes(totalBytes)
                   + QLatin1Char(')');
    if (skippedTotal() > 0) {
        QStringList reasons;
        for (int r = 0; r < kSkipReasonCount; ++r) {
            if (skippedByReason[std::size_t(r)] > 0)
                reasons << QStringLiteral("%1 %2").arg(skippedByReason[std::size_t(r)]).arg(skipReasonText(SkipReason(r)));
        }
        text += QCoreApplication::translate("bd::staging", ", %n skipped: ", nullptr, skippedTotal())
                + reasons.join(QStringLiteral(", "));
    }
    if (cancelled)
        text += QCoreApplication::translate("bd::staging", " (scan cancelled)");
    return text;
}

}  // namespace bd::staging
