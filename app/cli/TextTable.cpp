#include "cli/TextTable.h"

namespace bd::cli {

QString TextTable::render() const
{
    QVector<qsizetype> widths(m_headers.size(), 0);
    const auto measure = [&widths](const QStringList &cells) {
        for (qsizetype i = 0; i < cells.size() && i < widths.size(); ++i)
            widths[i] = qMax(widths[i], cells.at(i).size());
    };
    measure(m_headers);
    for (const QStringList &row : m_rows)
        measure(row);
    const auto renderRow = [&widths](const QStringList &cells) {
        QString line;
        for (qsizetype i = 0; i < widths.size(); ++i) {
            const QString cell = cells.value(i);
            line += (i + 1 < widths.size()) ? cell.leftJustified(widths[i]) + QStringLiteral("  ") : cell;
        }
        return line + QLatin1Char('\n');
    };
    QString text = renderRow(m_headers);
    qsizetype ruleLength = 0;
    for (qsizetype w : widths)
        ruleLength += w + 2;
    text += QString(qMax<qsizetype>(0, ruleLength - 2), QLatin1Char('-')) + QLatin1Char('\n');
    for (const QStringList &row : m_rows)
        text += renderRow(row);
    return text;
}

}  // namespace bd::cli
