//! interact_cli._core: the native per-line pass (see the module docs of each part).

pub mod arrow;
pub mod catalogue;
pub mod export;
pub mod fast;
pub mod json;
pub mod py;
pub mod report;
pub mod rules;
pub mod scan;
pub mod times;
