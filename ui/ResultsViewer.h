#pragma once
// The results viewer: a job's results in one sortable, filterable table. showFolder() lists the
// aggregated CSV / JSONL files of a downloaded job (off the GUI thread) and shows all of them as
// one table (JobResultsModel: opens at once, indexes in the background while a bar shows how far,
// predictions split into columns); the file list narrows it to one task's file. "Other file…"
// opens any results file. ResultsFilterProxy sorts numbers as numbers.
#include "core/Error.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QTableView;
class QTimer;

namespace bd { class JobResultsModel; class ResultsFilterProxy; }

namespace bd::ui {

class ResultsViewer : public QWidget
{
    Q_OBJECT
public:
    explicit ResultsViewer(QWidget *parent = nullptr);

    // Open one results file; false (and the reason shown) when it cannot be read.
    bool openFile(const QString &path, Error *error = nullptr);
    // List the .jsonl / .csv files under `folder` in the background, then show all of them.
    void showFolder(const QString &folder);
    // Shows every listed file as one table again (after one file was chosen).
    bool showAllFiles();
    // Filter rows: text in `column` (-1: any column). The edit box applies it after a short pause.
    void setFilter(const QString &text, int column = -1);
    // "Open file…": a window-modal file dialog that opens the chosen file.
    void chooseFile();

    JobResultsModel *model() const { return m_model; }
    ResultsFilterProxy *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    // The results files of the folder shown (not the "all files" entry).
    QStringList listedFiles() const;
    // The one file shown, or "" when the table combines several.
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
    bool showFiles(const QStringList &files, const QString &base, Error *error);

    JobResultsModel *m_model;
    ResultsFilterProxy *m_proxy;
    QComboBox *m_files = nullptr;
    QLineEdit *m_filter = nullptr;
    QComboBox *m_column = nullptr;
    QProgressBar *m_indexing = nullptr;
    QLabel *m_counts = nullptr;
    QTableView *m_view = nullptr;
    QTimer *m_filterDelay = nullptr;
    QString m_folder;               // the folder listed by showFolder()
    QStringList m_folderFiles;
    int m_folderGeneration = 0;
    bool m_columnsFitted = false;   // widths follow the first rows, then the person
};

}  // namespace bd::ui
