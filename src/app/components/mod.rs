pub mod badges;
pub mod feedback;
pub mod format;
pub mod import_dialog;
