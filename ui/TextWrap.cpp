#include "TextWrap.h"

namespace bd::ui {

QString wrapCommandAtOptions(const QString &command, int indent)
{
    QString out;
    out.reserve(command.size() + command.size() / 8);
    QChar quote;   // the open quote, or null outside quotes
    for (qsizetype i = 0; i < command.size(); ++i) {
        const QChar c = command.at(i);
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            else if (c == QLatin1Char('\\') && quote == QLatin1Char('"') && i + 1 < command.size()) {
                out += c;   // an escaped character inside "…" does not close it
                out += command.at(++i);
                continue;
            }
            out += c;
            continue;
        }
        if (c == QLatin1Char('\'') || c == QLatin1Char('"'))
            quote = c;
        if (c == QLatin1Char(' ') && i + 1 < command.size() && command.at(i + 1) == QLatin1Char('-')) {
            out += QStringLiteral(" \\\n") + QString(indent, QLatin1Char(' '));
            continue;
        }
        if (c == QLatin1Char('\n')) {   // a following block (e.g. a params file) keeps its own lines
            out += command.mid(i);
            break;
        }
        out += c;
    }
    return out;
}

QString breakableAtSeparators(const QString &text)
{
    static const QString separators = QStringLiteral("/\\?&=");
    QString out;
    out.reserve(text.size() + text.size() / 4);
    for (const QChar c : text) {
        out += c;
        if (separators.contains(c))
            out += QChar(0x200B);
    }
    return out;
}

}  // namespace bd::ui
