//! Reading a published plan text (such as the seed) into structured rows and targets.
