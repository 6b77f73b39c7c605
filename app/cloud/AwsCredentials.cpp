#include "cloud/AwsCredentials.h"

#include <algorithm>

namespace bd::cloud {

QMap<QString, QMap<QString, QString>> parseAwsIni(const QByteArray &text)
{
    QMap<QString, QMap<QString, QString>> out;
    QString section;
    for (const QByteArray &rawLine : text.split('\n')) {
        const QString line = QString::fromUtf8(rawLine).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) || line.startsWith(QLatin1Char(';')))
            continue;
        if (line.startsWith(QLatin1Char('[')) && line.endsWith(QLatin1Char(']'))) {
            section = line.mid(1, line.size() - 2).trimmed();
            continue;
        }
        const int eq = line.indexOf(QLatin1Char('='));
        if (eq <= 0 || section.isEmpty())
            continue;
        out[section][line.left(eq).trimmed().toLower()] = line.mid(eq + 1).trimmed();
    }
    return out;
}

bool AwsCredentials::needsRefresh(const QDateTime &now) const
{
    if (!expiration.isValid())
        return false;
    constexpr qint64 kAdvisorySeconds = 15 * 60;
    const qint64 life = obtained.isValid() ? obtained.secsTo(expiration) : kAdvisorySeconds * 2;
    const qint64 margin = std::min(kAdvisorySeconds, std::max<qint64>(life / 2, 1));
    return now.secsTo(expiration) <= margin;
}

}  // namespace bd::cloud
