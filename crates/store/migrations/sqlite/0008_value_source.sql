-- Where each figure comes from (数据来源: 浙里健康, 统计年鉴, 抽样调查, 本单位统计 …), free
-- text of at most 100 characters checked by the application (core::write). NULL: the
-- reporter named none, and the indicator's default source in the plan applies. The
-- quarantine keeps it with the rest of the row.
ALTER TABLE observations ADD COLUMN source TEXT;
ALTER TABLE quarantine ADD COLUMN source TEXT;
