#pragma once
// The stage timeline of the job view: the job's planned stages left to right (stacked top to
// bottom when the widget is too narrow), the current stage highlighted, each with its progress
// bar, task counts (waiting / running / succeeded / failed), start time and duration. Painted
// with palette roles, so it reads in light and dark themes; clicking a stage selects it.
#include "api/StageProgress.h"

#include <QWidget>

namespace bd::ui {

class StageTimeline : public QWidget
{
    Q_OBJECT
public:
    struct Entry {
        QString name;                 // processingStageName or the planned stage name
        QString stageId;              // empty while the stage has not started
        api::StageProgress progress;
        QDateTime start;
        QDateTime end;                // last update of a finished stage; invalid while running
        bool started = false;
        bool finished = false;
        bool skipped = false;         // never started and never will: the job ended first
    };

    explicit StageTimeline(QWidget *parent = nullptr);

    void setEntries(const QVector<Entry> &entries, const QString &currentStage);
    const QVector<Entry> &entries() const { return m_entries; }
    int currentIndex() const { return m_current; }
    int selectedIndex() const { return m_selected; }
    void setSelectedIndex(int index);
    // True when the stages are stacked vertically (narrow widget).
    bool isStacked() const;

    // Status colours that keep their contrast on the palette's base colour.
    static QColor successColour(const QPalette &palette);
    static QColor failureColour(const QPalette &palette);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

Q_SIGNALS:
    void stageSelected(int index);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    QRect boxRect(int index, int width) const;
    int boxHeight() const;
    void paintBox(QPainter &p, const Entry &e, const QRect &r, bool current, bool selected) const;
    QString countsText(const Entry &e) const;
    QString timesText(const Entry &e) const;

    QVector<Entry> m_entries;
    int m_current = -1;
    int m_selected = -1;
};

}  // namespace bd::ui
