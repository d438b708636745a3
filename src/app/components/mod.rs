pub mod arrivals_chart;
pub mod attendee_drawer;
pub mod attendees_table;
pub mod badges;
pub mod feedback;
pub mod format;
pub mod import_dialog;
pub mod recovery_dialog;
