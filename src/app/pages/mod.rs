pub mod event;
pub mod events;
pub mod integrations;
pub mod login;
pub mod not_found;
