#pragma once
// Offered at start when the journal holds ingests that did not complete (the app was killed,
// the network went away, the user cancelled): each one with its batch, sources and state, all
// ticked. Resuming runs the same IngestOperation again under the same ingest id, which uploads
// only what the batch is missing.
#include "staging/IngestJournal.h"
#include "staging/IngestOperation.h"

#include <QDialog>

class QTableWidget;

namespace bd::ui {

class ResumeIngestsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ResumeIngestsDialog(QVector<staging::IngestRecord> records, QWidget *parent = nullptr);

    // The options that resume this journaled ingest.
    static staging::IngestOptions optionsFor(const staging::IngestRecord &record);
    // The ticked ingests (valid after accept()).
    QVector<staging::IngestOptions> selectedIngests() const;
    QTableWidget *table() const { return m_table; }

private:
    QVector<staging::IngestRecord> m_records;
    QTableWidget *m_table;
};

}  // namespace bd::ui
