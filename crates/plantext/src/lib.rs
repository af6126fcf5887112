//! Plan texts into `youxiang_core::Plan`.

pub mod catalogue;
pub mod planfile;
pub mod published;
