#include "exports/CsvRecords.h"

namespace bd {

QStringList parseCsvRecord(QByteArrayView record)
{
    QStringList fields;
    QByteArray field;
    bool inQuotes = false;
    const qsizetype n = record.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = record[i];
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < n && record[i + 1] == '"') {
                    field.append('"');
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                field.append(c);
            }
        } else if (c == '"') {
            inQuotes = true;
        } else if (c == ',') {
            fields << QString::fromUtf8(field);
            field.clear();
        } else {
            field.append(c);
        }
    }
    fields << QString::fromUtf8(field);
    return fields;
}

}  // namespace bd
