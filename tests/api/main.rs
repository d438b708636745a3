//! Black-box tests: each starts the real server on a random port with a fresh database
//! (SQLite and PostgreSQL) and drives it over HTTP.

mod helpers;

mod architecture;
mod attendees;
mod auth;
mod budgets;
mod check_ins;
mod cli;
mod crash;
mod fixtures;
mod health;
mod import;
mod import_dialog;
mod integrations;
mod jobs;
mod live;
mod live_sync;
mod members;
mod migrations;
mod provider_truth;
mod providers;
mod stations;
mod stored_values;
mod tenancy;
