//! interact_cli._core: the native per-line pass (see the module docs of each part).

pub mod catalogue;
pub mod json;
pub mod py;
pub mod rules;
pub mod scan;
