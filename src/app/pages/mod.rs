pub mod event;
pub mod events;
pub mod integrations;
pub mod invite;
pub mod login;
pub mod members;
pub mod not_found;
