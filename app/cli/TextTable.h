#pragma once
// A plain-text table for the human output of list commands: left-aligned columns padded to the
// widest cell, a header row and a dashed rule.
#include <QString>
#include <QStringList>
#include <QVector>

namespace bd::cli {

class TextTable {
public:
    explicit TextTable(QStringList headers) : m_headers(std::move(headers)) {}
    void addRow(const QStringList &cells) { m_rows.append(cells); }
    bool isEmpty() const { return m_rows.isEmpty(); }
    QString render() const;

private:
    QStringList m_headers;
    QVector<QStringList> m_rows;
};

}  // namespace bd::cli
