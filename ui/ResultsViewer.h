#pragma once
// The results viewer: an aggregated CSV / JSONL results file in a sortable, filterable table.
// ResultsTableModel opens at once and indexes in the background (a bar shows how far), so a
// large file never freezes the window; ResultsFilterProxy sorts numbers as numbers.
// Files come from a downloaded folder (listed off the GUI thread) or from "Open file…".
#include "core/Error.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QTableView;
class QTimer;

namespace bd { class ResultsTableModel; class ResultsFilterProxy; }

namespace bd::ui {

class ResultsViewer : public QWidget
{
    Q_OBJECT
public:
    explicit ResultsViewer(QWidget *parent = nullptr);

    // Open one results file; false (and the reason shown) when it cannot be read.
    bool openFile(const QString &path, Error *error = nullptr);
    // List the .jsonl / .csv files under `folder` in the background, then open the first one.
    void showFolder(const QString &folder);
    // Filter rows: text in `column` (-1: any column). The edit box applies it after a short pause.
    void setFilter(const QString &text, int column = -1);
    // "Open file…": a window-modal file dialog that opens the chosen file.
    void chooseFile();

    ResultsTableModel *model() const { return m_model; }
    ResultsFilterProxy *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    QStringList listedFiles() const;
    QString currentFile() const;

    // Results files below `folder` (recursive; .jsonl, .csv), sorted. Runs on the calling thread.
    static QStringList findResultFiles(const QString &folder);

Q_SIGNALS:
    void fileOpened(const QString &path);
    void folderListed(const QStringList &files);

private:
    void applyFilter();
    void updateCounts();
    void rebuildColumnChoice();
    void fitColumns();

    ResultsTableModel *m_model;
    ResultsFilterProxy *m_proxy;
    QComboBox *m_files = nullptr;
    QLineEdit *m_filter = nullptr;
    QComboBox *m_column = nullptr;
    QProgressBar *m_indexing = nullptr;
    QLabel *m_counts = nullptr;
    QTableView *m_view = nullptr;
    QTimer *m_filterDelay = nullptr;
    int m_folderGeneration = 0;
    bool m_columnsFitted = false;   // widths follow the first rows, then the person
};

}  // namespace bd::ui
