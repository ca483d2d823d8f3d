//! The Outbox screen: posts waiting for the network or stopped by an error, with Retry and
//! Cancel, and the ones posted lately with their links.

use eframe::egui;
use publish::{Job, JobStatus};

use super::app::App;
use super::poster;
use super::record::truncate;

/// What the Outbox screen shows.
#[derive(Default)]
pub struct OutboxView {
    pub jobs: Option<Result<Vec<Job>, String>>,
    /// A list has been asked for since the screen was opened.
    pub asked: bool,
    /// What a retry started from this screen is doing.
    pub working: Option<String>,
}

impl App {
    pub(super) fn refresh_outbox(&mut self) {
        if self
            .poster
            .as_ref()
            .is_some_and(|p| p.send(poster::Command::ListOutbox))
        {
            self.outbox.asked = true;
        }
    }

    pub(super) fn outbox_ui(&mut self, ui: &mut egui::Ui) {
        if !self.outbox.asked {
            self.refresh_outbox();
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            ui.heading("Outbox");
            if ui.button("Refresh").clicked() {
                self.refresh_outbox();
            }
        });
        ui.label("Every post is kept here until it is on the task. Posts that cannot go out now (offline, rate limited) are retried; none is posted twice.");
        if let Some(problem) = &self.publish_problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
            return;
        }
        if let Some(what) = &self.outbox.working {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(what);
            });
        }
        ui.add_space(8.0);
        let jobs = match &self.outbox.jobs {
            None => {
                ui.spinner();
                return;
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
                return;
            }
            Some(Ok(jobs)) => jobs.clone(),
        };
        let (waiting, rest): (Vec<Job>, Vec<Job>) = jobs
            .into_iter()
            .partition(|j| matches!(j.status, JobStatus::Queued | JobStatus::Failed));
        ui.label(egui::RichText::new("Waiting or failed").strong());
        if waiting.is_empty() {
            ui.weak("Nothing is waiting: every post has gone out.");
        } else {
            self.jobs_grid(ui, "waiting", &waiting, true);
        }
        ui.add_space(16.0);
        let mut done: Vec<Job> = rest
            .into_iter()
            .filter(|j| j.status == JobStatus::Done)
            .collect();
        done.sort_by_key(|j| std::cmp::Reverse(j.created_unix));
        done.truncate(10);
        ui.label(egui::RichText::new("Posted lately").strong());
        if done.is_empty() {
            ui.weak("Nothing posted yet.");
        } else {
            self.jobs_grid(ui, "done", &done, false);
        }
    }

    fn jobs_grid(&mut self, ui: &mut egui::Ui, id: &str, jobs: &[Job], actions: bool) {
        egui::ScrollArea::vertical()
            .id_salt(id)
            .max_height(300.0)
            .show(ui, |ui| {
                egui::Grid::new(id)
                    .num_columns(4)
                    .striped(true)
                    .spacing([16.0, 6.0])
                    .show(ui, |ui| {
                        for job in jobs {
                            ui.label(truncate(&job.post.title, 40));
                            ui.label(truncate(&job.to.to_string(), 40));
                            if actions {
                                let status = match (&job.status, &job.last_error) {
                                    (JobStatus::Failed, Some(e)) => {
                                        format!("failed: {}", truncate(e, 70))
                                    }
                                    (JobStatus::Queued, Some(e)) => {
                                        format!(
                                            "waiting (attempt {}): {}",
                                            job.attempts,
                                            truncate(e, 60)
                                        )
                                    }
                                    (status, _) => status.to_string(),
                                };
                                let full = job.last_error.clone().unwrap_or_default();
                                ui.label(status).on_hover_text(full);
                                ui.horizontal(|ui| {
                                    if ui.button("Retry").clicked()
                                        && self.poster.as_ref().is_some_and(|p| {
                                            p.send(poster::Command::Retry(job.id.clone()))
                                        })
                                    {
                                        self.outbox.working = Some(format!(
                                            "Retrying {}…",
                                            truncate(&job.post.title, 40)
                                        ));
                                    }
                                    if ui.button("Cancel").clicked() {
                                        self.poster.as_ref().map(|p| {
                                            p.send(poster::Command::Cancel(job.id.clone()))
                                        });
                                    }
                                });
                            } else {
                                let url = job.task_url.clone().unwrap_or_default();
                                ui.label(super::hud::date(job.created_unix));
                                if url.starts_with("http") {
                                    ui.hyperlink_to("Open", url);
                                } else {
                                    ui.label(truncate(&url, 40));
                                }
                            }
                            ui.end_row();
                        }
                    });
            });
    }
}
